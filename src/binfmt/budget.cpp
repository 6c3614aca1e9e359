// Budget accounting and the thread's active budget (see budget.hpp for why it is per module).
#include "binfmt/budget.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <utility>

namespace ftkit::binfmt {
namespace {

thread_local Budget* t_active = nullptr;

}  // namespace

TooComplex::TooComplex(std::string_view what, std::string_view resource)
    : std::runtime_error("unreadable: too complex (" + std::string(what) + " needs more " +
                         std::string(resource) + " than the file's size justifies)") {}

Cancelled::Cancelled() : std::runtime_error("cancelled (interrupted before this input was read)") {}

namespace {
std::int64_t allowance(std::uint64_t bytes) noexcept {
    constexpr std::uint64_t most = static_cast<std::uint64_t>(INT64_MAX) / 2;
    return static_cast<std::int64_t>(bytes > most / Budget::kWorkPerByte ? most
                                                                         : bytes * Budget::kWorkPerByte);
}
}  // namespace

InputAllowance::InputAllowance(std::uint64_t input_size)
    : left_(static_cast<std::int64_t>(Budget::kWorkFloor) + allowance(input_size)) {}

void InputAllowance::add(std::uint64_t bytes) noexcept { left_.fetch_add(allowance(bytes)); }

void InputAllowance::take(std::uint64_t units, std::string_view what) {
    std::int64_t n = static_cast<std::int64_t>(std::min<std::uint64_t>(units, INT64_MAX / 2));
    if (left_.fetch_sub(n) - n < 0) throw TooComplex(what, "work");
}

std::uint64_t Budget::memory_cap(std::uint64_t input_size) noexcept {
    std::uint64_t scaled = input_size > kMemoryCeiling / kMemoryPerByte
                               ? kMemoryCeiling
                               : kMemoryFloor + input_size * kMemoryPerByte;
    return std::min(scaled, kMemoryCeiling);
}

Budget::Budget(std::uint64_t input_size, const std::atomic<bool>* cancel, InputAllowance* input)
    : work_limit_(input_size > (~0ull - kWorkFloor) / kWorkPerByte
                      ? ~0ull
                      : kWorkFloor + input_size * kWorkPerByte),
      input_(input),
      memory_limit_(memory_cap(input_size)),
      cancel_(cancel) {}

void Budget::settle() {
    if (input_ && unsettled_)
        input_->take(std::exchange(unsettled_, 0), "auditing all the modules of this input");
}

void Budget::spend(std::uint64_t units, std::string_view what) {
    if (cancel_ && cancel_->load(std::memory_order_relaxed)) throw Cancelled();
    if (units > work_limit_ - work_spent_) {
        work_spent_ = work_limit_;
        throw TooComplex(what, "work");
    }
    work_spent_ += units;
    // Batches keep the shared counter off the hot path (a lookup is tens of nanoseconds).
    if (input_ && (unsettled_ += units) >= (1u << 12)) settle();
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
