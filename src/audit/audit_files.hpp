// Audit of input files: single extension binaries and wheels (read in memory), in parallel.
#pragma once

#include <atomic>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "audit/module_audit.hpp"

namespace ftkit::audit {

struct FileAudit {
    std::string path;
    std::string kind;   // wheel | binary
    std::string error;  // the input could not be read at all (missing, not a zip, hostile zip)
    std::string wheel_text, metadata_text;  // *.dist-info/WHEEL and METADATA of a wheel
    std::vector<std::string> unsafe_names;  // entry names that would escape an extraction directory
    std::vector<ModuleAudit> modules;       // extension modules only
    std::uint64_t other_binaries = 0;       // shared libraries that are not extension modules
};

/// Audit every path (a .whl, or one binary) with `jobs` threads; results in input order.
/// `interrupted`, if given, is called from the calling thread about every 50 ms while the
/// threads work; once it returns true the run is cancelled: inputs not finished get the error
/// "cancelled ..." and audit_paths returns within moments (the binding passes a SIGINT check).
/// Memory per input stays under a bound that does not grow with `jobs` (binfmt/budget.hpp).
std::vector<FileAudit> audit_paths(const std::vector<std::string>& paths, int jobs,
                                   const std::function<bool()>& interrupted = {});
/// Audit one input given as bytes: a wheel when the path ends in .whl, else one binary, under a
/// work and memory budget per module (cancelled when *cancel becomes true).
FileAudit audit_file_bytes(std::span<const std::byte> bytes, const std::string& path,
                           int jobs = 1, const std::atomic<bool>* cancel = nullptr);
/// Audit a wheel given as bytes (used by audit_paths, tests and the fuzz target).
FileAudit audit_wheel_bytes(std::span<const std::byte> bytes, const std::string& path,
                            int jobs = 1, const std::atomic<bool>* cancel = nullptr);

}  // namespace ftkit::audit
