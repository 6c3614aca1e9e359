// Reads inputs, opens wheels as zips in memory, and spreads modules over worker threads.
#include "audit/audit_files.hpp"

#include <atomic>
#include <fstream>
#include <functional>
#include <thread>

#include "binfmt/byte_cursor.hpp"
#include "binfmt/zip.hpp"

namespace ftkit::audit {
namespace {

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

std::vector<std::byte> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::streamoff size = in.tellg();
    if (size < 0) throw std::runtime_error("cannot read " + path);
    std::vector<std::byte> data(static_cast<std::size_t>(size));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(data.data()), size);
    if (!in) throw std::runtime_error("cannot read " + path);
    return data;
}

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

}  // namespace

FileAudit audit_wheel_bytes(std::span<const std::byte> bytes, const std::string& path, int jobs) {
    FileAudit f;
    f.path = path;
    f.kind = "wheel";
    try {
        binfmt::ZipArchive zip(bytes);
        f.unsafe_names = zip.unsafe_names();
        std::vector<const binfmt::ZipEntry*> binaries;
        for (const auto& e : zip.entries()) {
            if (is_dist_info(e.name, "WHEEL"))
                f.wheel_text = text_of(zip.read(e));
            else if (is_dist_info(e.name, "METADATA"))
                f.metadata_text = text_of(zip.read(e));
            else if (looks_binary(e.name))
                binaries.push_back(&e);
        }
        std::vector<std::vector<ModuleAudit>> results(binaries.size());
        run_parallel(binaries.size(), jobs, [&](std::size_t i) {
            const auto& e = *binaries[i];
            std::string name = path + "!" + e.name;
            try {
                auto data = zip.read(e);
                results[i] = audit_module(data, name);
            } catch (const std::exception& ex) {
                ModuleAudit m;
                m.path = name;
                m.error = ex.what();
                m.is_extension = true;  // unreadable: report it rather than hide it
                results[i].push_back(std::move(m));
            }
        });
        for (auto& r : results) keep_modules(std::move(r), f);
    } catch (const std::exception& ex) {
        f.error = ex.what();
    }
    return f;
}

FileAudit audit_file_bytes(std::span<const std::byte> bytes, const std::string& path, int jobs) {
    if (ends_with(path, ".whl")) return audit_wheel_bytes(bytes, path, jobs);
    FileAudit f;
    f.path = path;
    f.kind = "binary";
    keep_modules(audit_module(bytes, path), f);
    return f;
}

std::vector<FileAudit> audit_paths(const std::vector<std::string>& paths, int jobs) {
    std::vector<FileAudit> out(paths.size());
    // Many inputs: one thread per file. Few inputs (one big wheel): threads over its modules.
    int inner = paths.size() >= static_cast<std::size_t>(std::max(1, jobs)) ? 1 : jobs;
    run_parallel(paths.size(), jobs, [&](std::size_t i) {
        try {
            out[i] = audit_file_bytes(read_file(paths[i]), paths[i], inner);
        } catch (const std::exception& ex) {
            out[i].path = paths[i];
            out[i].kind = ends_with(paths[i], ".whl") ? "wheel" : "binary";
            out[i].error = ex.what();
        }
    });
    return out;
}

}  // namespace ftkit::audit
