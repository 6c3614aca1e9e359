// Budget accounting and the thread's active budget (see budget.hpp for why it is per module).
#include "binfmt/budget.hpp"

#include <algorithm>

namespace ftkit::binfmt {
namespace {

thread_local Budget* t_active = nullptr;

}  // namespace

TooComplex::TooComplex(std::string_view what, std::string_view resource)
    : std::runtime_error("unreadable: too complex (" + std::string(what) + " needs more " +
                         std::string(resource) + " than the file's size justifies)") {}

Cancelled::Cancelled() : std::runtime_error("cancelled (interrupted before this input was read)") {}

std::uint64_t Budget::memory_cap(std::uint64_t input_size) noexcept {
    std::uint64_t scaled = input_size > kMemoryCeiling / kMemoryPerByte
                               ? kMemoryCeiling
                               : kMemoryFloor + input_size * kMemoryPerByte;
    return std::min(scaled, kMemoryCeiling);
}

Budget::Budget(std::uint64_t input_size, const std::atomic<bool>* cancel)
    : work_limit_(input_size > (~0ull - kWorkFloor) / kWorkPerByte
                      ? ~0ull
                      : kWorkFloor + input_size * kWorkPerByte),
      memory_limit_(memory_cap(input_size)),
      cancel_(cancel) {}

void Budget::spend(std::uint64_t units, std::string_view what) {
    if (cancel_ && cancel_->load(std::memory_order_relaxed)) throw Cancelled();
    if (units > work_limit_ - work_spent_) {
        work_spent_ = work_limit_;
        throw TooComplex(what, "work");
    }
    work_spent_ += units;
}

void Budget::hold(std::uint64_t bytes, std::string_view what) {
    if (bytes > memory_limit_ - held_) throw TooComplex(what, "memory");
    held_ += bytes;
}

BudgetScope::BudgetScope(Budget& budget) noexcept : budget_(&budget), previous_(t_active) {
    t_active = budget_;
}

BudgetScope::BudgetScope(std::uint64_t input_size, const std::atomic<bool>* cancel)
    : previous_(t_active) {
    if (!t_active) own_ = std::make_unique<Budget>(input_size, cancel);
    budget_ = t_active ? t_active : own_.get();
    t_active = budget_;
}

BudgetScope::~BudgetScope() { t_active = previous_; }

Budget* active_budget() noexcept { return t_active; }

void spend(std::uint64_t units, std::string_view what) {
    if (t_active) t_active->spend(units, what);
}

void check_cancelled() {
    if (t_active && t_active->cancel_flag() &&
        t_active->cancel_flag()->load(std::memory_order_relaxed))
        throw Cancelled();
}

void hold(std::uint64_t bytes, std::string_view what) {
    if (t_active) t_active->hold(bytes, what);
}

}  // namespace ftkit::binfmt
