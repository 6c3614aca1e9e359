// Reads inputs (mapped, never copied whole), opens wheels as zips in memory, and spreads modules
// over worker threads within a memory bound per input and a work budget per module.
#include "audit/audit_files.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <future>
#include <mutex>
#include <thread>

#include "binfmt/budget.hpp"
#include "binfmt/byte_cursor.hpp"
#include "binfmt/zip.hpp"

namespace ftkit::audit {
namespace {

using binfmt::Budget;

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool looks_binary(const std::string& name) {
    return ends_with(name, ".so") || ends_with(name, ".pyd") || ends_with(name, ".dylib");
}

// dist-info files sit at "<name>-<version>.dist-info/WHEEL" (PEP 427), one level deep.
bool is_dist_info(const std::string& name, std::string_view file) {
    auto slash = name.find('/');
    return slash != std::string::npos && name.find('/', slash + 1) == std::string::npos &&
           ends_with(name.substr(0, slash), ".dist-info") && name.substr(slash + 1) == file;
}

// WHEEL and METADATA are text of a few KB (a long description makes it hundreds); more is not
// a wheel's metadata, and it would be held for the whole run and handed to Python.
constexpr std::uint64_t kMaxMetadata = 16ull << 20;

void run_parallel(std::size_t n, int jobs, const std::function<void(std::size_t)>& work) {
    std::size_t threads = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(1, jobs)));
    if (threads <= 1) {
        for (std::size_t i = 0; i < n; ++i) work(i);
        return;
    }
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t)
        pool.emplace_back([&] {
            for (std::size_t i; (i = next.fetch_add(1)) < n;) work(i);
        });
    for (auto& th : pool) th.join();
}

// A read-only mapping of a regular file: pages are read only where a reader looks, so a huge
// file costs what is parsed, not its size (a 1.5 GB sparse file was read whole, issue 12).
class MappedFile {
public:
    explicit MappedFile(const std::string& path) {
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            std::string why = S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file";
            ::close(fd);
            throw std::runtime_error("cannot read " + path + ": " + why);
        }
        size_ = static_cast<std::size_t>(st.st_size);
        if (size_ > 0) {
            void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
            if (p == MAP_FAILED) {
                int err = errno;
                ::close(fd);
                throw std::runtime_error("cannot map " + path + ": " + std::strerror(err));
            }
            data_ = static_cast<const std::byte*>(p);
        }
        ::close(fd);
    }
    ~MappedFile() {
        if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
    }
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }

private:
    const std::byte* data_ = nullptr;
    std::size_t size_ = 0;
};

// How much of one input may be in memory at once, whatever --jobs says: a thread reserves an
// entry's inflated size plus what its audit may derive before inflating it, and waits while the
// input's other threads hold the rest. One entry larger than the whole bound runs alone.
class MemoryGate {
public:
    explicit MemoryGate(std::uint64_t capacity, const std::atomic<bool>* cancel)
        : capacity_(capacity), cancel_(cancel) {}

    std::uint64_t acquire(std::uint64_t bytes) {
        bytes = std::min(bytes, capacity_);
        std::unique_lock lock(mutex_);
        while (in_use_ > 0 && in_use_ + bytes > capacity_) {
            if (cancel_ && cancel_->load()) throw binfmt::Cancelled();
            freed_.wait_for(lock, std::chrono::milliseconds(50));
        }
        in_use_ += bytes;
        return bytes;
    }
    void release(std::uint64_t bytes) {
        {
            std::lock_guard lock(mutex_);
            in_use_ -= bytes;
        }
        freed_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable freed_;
    std::uint64_t capacity_, in_use_ = 0;
    const std::atomic<bool>* cancel_;
};

std::string text_of(const std::vector<std::byte>& b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Extension modules (and unreadable files, reported rather than hidden) are kept; other shared
// libraries are only counted.
void keep_modules(std::vector<ModuleAudit> results, FileAudit& f) {
    for (auto& m : results) {
        if (m.is_extension || !m.error.empty())
            f.modules.push_back(std::move(m));
        else
            ++f.other_binaries;
    }
}

std::vector<ModuleAudit> audit_budgeted(std::span<const std::byte> bytes, const std::string& name,
                                        const std::atomic<bool>* cancel,
                                        binfmt::InputAllowance* input = nullptr) {
    if (input) input->take(1, "auditing all the modules of this input");  // used up: no work
    Budget budget(bytes.size(), cancel, input);
    std::vector<ModuleAudit> out;
    {
        binfmt::BudgetScope scope(budget);
        out = audit_module(bytes, name);
    }
    budget.settle();
    return out;
}

// What one kept module result holds, roughly (it stays in memory for the whole run), and how much
// of that one wheel may keep: a real wheel's thousands of modules keep a few MB.
constexpr std::uint64_t kMaxResults = 64ull << 20;
std::uint64_t result_cost(const ModuleAudit& m) {
    return sizeof(ModuleAudit) + m.path.size() + m.error.size() +
           256 * (m.hazards.size() + m.libraries.size() + m.slot_arrays.size());
}

// A wheel whose binaries would inflate to more than this is refused before inflating any:
// real wheels inflate to a few times their size (numpy's to about 3x); the 1000:1 ratio allowed
// per entry would let a 50 MB wheel make 50 GB of work.
std::uint64_t max_inflated(std::uint64_t wheel_size) {
    return std::max<std::uint64_t>(4ull << 30, 32 * wheel_size);
}

}  // namespace

FileAudit audit_wheel_bytes(std::span<const std::byte> bytes, const std::string& path, int jobs,
                            const std::atomic<bool>* cancel) {
    FileAudit f;
    f.path = path;
    f.kind = "wheel";
    try {
        binfmt::ZipArchive zip(bytes);
        f.unsafe_names = zip.unsafe_names();
        std::vector<const binfmt::ZipEntry*> binaries;
        for (const auto& e : zip.entries()) {
            bool wheel = is_dist_info(e.name, "WHEEL"), metadata = is_dist_info(e.name, "METADATA");
            if ((wheel || metadata) && e.uncompressed_size > kMaxMetadata)
                throw binfmt::TooComplex(e.name + " of " + std::to_string(e.uncompressed_size) +
                                             " bytes",
                                         "memory");
            if (wheel)
                f.wheel_text = text_of(zip.read(e));
            else if (metadata)
                f.metadata_text = text_of(zip.read(e));
            else if (looks_binary(e.name))
                binaries.push_back(&e);
        }
        std::uint64_t declared = 0;
        for (const auto* e : binaries) declared += e->uncompressed_size;  // each <= 1 GiB
        if (declared > max_inflated(bytes.size()))
            throw binfmt::TooComplex("inflating its binaries (" + std::to_string(declared) +
                                         " bytes declared in all)",
                                     "memory");
        // Work over all entries, and memory in flight, are bounded per wheel whatever `jobs` is.
        binfmt::InputAllowance allowance(bytes.size());
        MemoryGate gate(Budget::kMemoryCeiling, cancel);
        std::atomic<std::uint64_t> kept{0};
        std::vector<std::vector<ModuleAudit>> results(binaries.size());
        run_parallel(binaries.size(), jobs, [&](std::size_t i) {
            // Past the bound the wheel is refused below: auditing the rest would be wasted work.
            if (kept.load() > kMaxResults) return;
            const auto& e = *binaries[i];
            std::string name = path + "!" + e.name;
            std::uint64_t reserved = 0;
            try {
                reserved = gate.acquire(e.uncompressed_size + Budget::memory_cap(e.uncompressed_size));
                if (cancel && cancel->load()) throw binfmt::Cancelled();
                auto data = zip.read(e);
                allowance.add(data.size());
                results[i] = audit_budgeted(data, name, cancel, &allowance);
            } catch (const std::exception& ex) {
                ModuleAudit m;
                m.path = name;
                m.error = ex.what();
                m.is_extension = true;  // unreadable: report it rather than hide it
                results[i].assign(1, std::move(m));
            }
            if (reserved) gate.release(reserved);
            // Results are kept for the whole run: hundreds of thousands of entries could fill
            // memory with them alone. Past the bound, the wheel is refused instead.
            std::uint64_t cost = 0;
            for (const auto& m : results[i]) cost += result_cost(m);
            // Past the bound, free the allocation too (clear() keeps the vector's capacity: 500,000
            // entries kept ~300 MB of empty ModuleAudit slots).
            if (kept.fetch_add(cost) + cost > kMaxResults) std::vector<ModuleAudit>().swap(results[i]);
        });
        if (kept.load() > kMaxResults)
            throw binfmt::TooComplex("keeping the results of its " +
                                         std::to_string(binaries.size()) + " binaries",
                                     "memory");
        for (auto& r : results) keep_modules(std::move(r), f);
    } catch (const std::exception& ex) {
        f.error = ex.what();
    }
    return f;
}

FileAudit audit_file_bytes(std::span<const std::byte> bytes, const std::string& path, int jobs,
                           const std::atomic<bool>* cancel) {
    if (ends_with(path, ".whl")) return audit_wheel_bytes(bytes, path, jobs, cancel);
    FileAudit f;
    f.path = path;
    f.kind = "binary";
    keep_modules(audit_budgeted(bytes, path, cancel), f);
    return f;
}

std::vector<FileAudit> audit_paths(const std::vector<std::string>& paths, int jobs,
                                   const std::function<bool()>& interrupted) {
    std::vector<FileAudit> out(paths.size());
    std::atomic<bool> cancel{false};
    // Many inputs: one thread per file. Few inputs (one big wheel): threads over its modules.
    int inner = paths.size() >= static_cast<std::size_t>(std::max(1, jobs)) ? 1 : jobs;
    auto work = [&] {
        run_parallel(paths.size(), jobs, [&](std::size_t i) {
            try {
                if (cancel.load()) throw binfmt::Cancelled();
                MappedFile file(paths[i]);
                auto bytes = file.bytes(), head = bytes.first(std::min<std::size_t>(4, bytes.size()));
                // "Not an executable" is known from the first bytes: read no more of it.
                bool rejected = !ends_with(paths[i], ".whl") && !binfmt::format_of(head);
                out[i] = audit_file_bytes(rejected ? head : bytes, paths[i], inner, &cancel);
                if (rejected)
                    for (auto& m : out[i].modules) m.size = bytes.size();
            } catch (const std::exception& ex) {
                out[i].path = paths[i];
                out[i].kind = ends_with(paths[i], ".whl") ? "wheel" : "binary";
                out[i].error = ex.what();
            }
        });
    };
    if (!interrupted) {
        work();
        return out;
    }
    auto done = std::async(std::launch::async, work);
    while (done.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready)
        if (!cancel.load() && interrupted()) cancel.store(true);
    done.get();
    return out;
}

}  // namespace ftkit::audit
