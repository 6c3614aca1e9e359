// Work and memory budgets for reading one module, so a small hostile file cannot cost hours or
// gigabytes, and a cancellation flag (Ctrl-C) that every long loop notices.
//
// A Budget belongs to one module (one file's bytes, or one wheel entry) audited on one thread:
// its allowance is proportional to the module's size, so whether a module is "too complex" never
// depends on --jobs or on what else is audited. Readers and rules charge the budget active on
// their thread (installed by a BudgetScope); parse_binary installs one when none is active, so no
// caller is ever unbounded. How many modules of one input are in memory at once is bounded
// separately, by reservation (audit/audit_files.cpp), so the per-input total does not grow with
// --jobs either.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ftkit::binfmt {

/// The input needs more work or memory than its size justifies. The message starts with
/// "unreadable: too complex" and says what was being read.
class TooComplex : public std::runtime_error {
public:
    explicit TooComplex(std::string_view what, std::string_view resource);
};

/// The run was cancelled (SIGINT) while this input was being read.
class Cancelled : public std::runtime_error {
public:
    Cancelled();
};

/// What all the modules of one input may spend together: each module's Budget has a floor, so
/// without this a wheel of 500,000 tiny hostile entries could spend 500,000 floors. Its allowance
/// is one floor plus kWorkPerByte per byte of the input and of every entry inflated from it.
/// Shared by the input's threads (module budgets hand their work over in batches).
class InputAllowance {
public:
    explicit InputAllowance(std::uint64_t input_size);
    /// More bytes read from this input (an inflated wheel entry): more work allowed.
    void add(std::uint64_t bytes) noexcept;
    /// Take work from the allowance; throws TooComplex when it is used up.
    void take(std::uint64_t units, std::string_view what);

private:
    std::atomic<std::int64_t> left_;
};

class Budget {
public:
    // Work units are lookups, table entries, or 8 bytes of code scanned (tens of nanoseconds
    // each). Real modules spend at most 0.35 units per byte and 320k units in all (measured
    // 2026-12-01 on the 169 modules of the cached numpy, cffi, contourpy, gemmi, pyopencl,
    // msgpack, pyyaml, rpds_py and greenlet wheels for Linux, macOS and Windows and the test
    // fixtures; and on CPython 3.6-3.13's lib-dynload, libjvm.so and a 150 MB librustc_driver).
    // 8 per byte plus 1M leaves a margin of 20, and a hostile 4 MB file stops within seconds.
    static constexpr std::uint64_t kWorkPerByte = 8;
    static constexpr std::uint64_t kWorkFloor = 1ull << 20;
    /// Memory derived from one module (names, tables, relocations): 16 MiB plus four times its
    /// size, never more than 256 MiB (the "say 256 MB per input"). Real modules derive
    /// at most 0.5 byte per byte (same measurement).
    static constexpr std::uint64_t kMemoryFloor = 16ull << 20;
    static constexpr std::uint64_t kMemoryPerByte = 4;
    static constexpr std::uint64_t kMemoryCeiling = 256ull << 20;
    static std::uint64_t memory_cap(std::uint64_t input_size) noexcept;

    explicit Budget(std::uint64_t input_size, const std::atomic<bool>* cancel = nullptr,
                    InputAllowance* input = nullptr);

    /// Hand the work not yet handed over to the input's allowance (may throw TooComplex); call
    /// once the module's audit is done.
    void settle();

    /// Spend work units; throws TooComplex when exhausted and Cancelled when cancelled.
    void spend(std::uint64_t units, std::string_view what);
    /// Account for `bytes` more derived memory; throws TooComplex above the cap.
    void hold(std::uint64_t bytes, std::string_view what);

    std::uint64_t work_spent() const noexcept { return work_spent_; }
    std::uint64_t memory_held() const noexcept { return held_; }
    const std::atomic<bool>* cancel_flag() const noexcept { return cancel_; }

private:
    std::uint64_t work_limit_, work_spent_ = 0, unsettled_ = 0;
    InputAllowance* input_;
    std::uint64_t memory_limit_, held_ = 0;
    const std::atomic<bool>* cancel_;
};

/// Makes a budget the active one on this thread for its lifetime.
/// BudgetScope(budget) installs that budget; BudgetScope(size) joins the active budget, or when
/// there is none creates one for `size` bytes (with the cancellation flag given).
class BudgetScope {
public:
    explicit BudgetScope(Budget& budget) noexcept;
    explicit BudgetScope(std::uint64_t input_size, const std::atomic<bool>* cancel = nullptr);
    ~BudgetScope();
    BudgetScope(const BudgetScope&) = delete;
    BudgetScope& operator=(const BudgetScope&) = delete;

    Budget& budget() noexcept { return *budget_; }

private:
    std::unique_ptr<Budget> own_;
    Budget* budget_;
    Budget* previous_;
};

/// The budget active on this thread, or nullptr.
Budget* active_budget() noexcept;
/// Charge the active budget, if any (readers call these; they never need the budget itself).
void spend(std::uint64_t units, std::string_view what);
void hold(std::uint64_t bytes, std::string_view what);
/// Throw Cancelled if the active budget's run was cancelled (for loops that are not "work").
void check_cancelled();
/// Memory a string of n characters takes in a vector of strings.
inline std::uint64_t string_cost(std::uint64_t n) noexcept { return 32 + n; }

}  // namespace ftkit::binfmt
