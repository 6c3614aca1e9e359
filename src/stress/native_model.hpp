// A Model over a native model struct (include/ftkit/history_model.h), e.g. from a PyCapsule.
#pragma once

#include "ftkit/history_model.h"
#include "stress/model.hpp"

namespace ftkit::stress {

/// Wraps `native` (which must outlive the Model); throws std::invalid_argument for a struct of
/// another ABI version or without init/step.
Model native_model(const ftkit_history_model& native);

}  // namespace ftkit::stress
