// What the audit concludes about one extension module (or one slice of a universal binary).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "audit/verdicts.hpp"
#include "binfmt/binary_view.hpp"

namespace ftkit::audit {

struct Hazard {
    std::string symbol, replacement, since, why;
    bool runtime = false;  // the module's binding generator calls it in its own runtime code
};

/// One module-slot entry found in data: {int slot; void *value} or 3.15's PySlot.
struct SlotEntry {
    std::uint32_t id = 0;
    std::uint64_t value = 0;
    bool value_is_pointer = false;  // the loader relocates the value (a function or string)
};

struct SlotArray {
    std::uint64_t address = 0;
    bool pyslot = false;           // 3.15 PySlot layout (PyModExport_*), else PyModuleDef_Slot
    bool referenced = false;       // a relocated pointer (PyModuleDef.m_slots) points at it
    bool from_module_def = false;  // found through the module's own PyModuleDef (m_name matches)
    // Empty: the module def's array starts with {0, NULL} (.bss, or zero file bytes), so PyInit
    // may fill it at run time.
    bool zero_initialised = false;
    std::vector<SlotEntry> entries;
};

struct ModuleAudit {
    std::string path;           // as given, or "wheel.whl!pkg/mod.so"
    std::string error;          // non-empty: the file could not be read; nothing else is set
    bool is_extension = false;  // exports PyInit_* or PyModExport_*
    std::optional<binfmt::Format> format;  // unset: the file could not be read
    std::string arch;
    int bits = 0;
    std::string abi_tag;       // from the file name: cp314t, cp314, abi3, abi3t, or "" if untagged
    std::string platform_tag;  // from the file name: x86_64-linux-gnu, darwin, win_amd64, ...
    std::string module_name;   // from PyInit_<name> / PyModExport_<name>
    std::optional<InitStyle> init_style;

    // The GIL declaration, how sure, why, and the row of gil_verdict_rules.cpp that decided.
    std::optional<GilVerdict> gil;
    std::optional<Confidence> gil_confidence;
    std::string gil_evidence, gil_rule;
    std::string multiple_interpreters;  // "", not-supported, supported, per-interpreter-gil
    std::vector<SlotArray> slot_arrays;

    // Compiled against free-threaded headers, and why.
    std::optional<FtAbi> ft_abi;
    std::string ft_abi_evidence;

    std::string generator = "c-api", generator_version, generator_evidence;
    std::string generator_abi_tag;  // nanobind's platform ABI tag, pybind11's internals id

    std::vector<Hazard> hazards;
    std::vector<std::string> libraries;
    std::uint64_t import_count = 0, size = 0;
};

/// Audit the bytes of one file named `name` (the name gives the ABI tag). One result per
/// image (a universal Mach-O gives one per slice). Never throws: errors land in .error.
std::vector<ModuleAudit> audit_module(std::span<const std::byte> bytes, const std::string& name);

// The steps, each in its own file, exposed for tests.
void parse_abi_tag(const std::string& filename, ModuleAudit& out);
std::vector<SlotArray> find_slot_arrays(const binfmt::BinaryView& v,
                                        const std::string& module_name);
/// Addresses of the m_name fields of PyModuleDefs naming this module (m_name points at
/// `module_name`, or at a dotted name ending in it).
std::vector<std::uint64_t> module_def_names(const binfmt::BinaryView& v,
                                            const std::string& module_name);
/// Values passed as the second argument at each call of an imported function, where the
/// code can be followed (x86-64 code, arm64 Mach-O and PE); -1 for a call whose argument was not
/// decoded. Constant stores that code makes into [addr, addr+len) (x86-64: movl/movq $imm,
/// disp(%rip), MSVC's stack-built entries copied with movaps %xmmN; arm64: str/stp through an
/// adrp/add base): (offset, value), value -1 for a store of a register. Used for slot arrays PyInit
/// fills at run time (pybind11 3's PYBIND11_MODULE keeps them in a function-local static).
std::vector<std::pair<std::uint64_t, std::int64_t>> stores_into(const binfmt::BinaryView& v,
                                                                std::uint64_t addr,
                                                                std::uint64_t len);
std::vector<std::int64_t> second_argument_at_calls(const binfmt::BinaryView& v,
                                                   std::string_view symbol);
/// The `gil_used` flag PyO3 0.23-0.27's PyInit passes to ModuleDef::make_module(&self, py,
/// gil_used) at each call whose `self` is an address in [lo, hi) (x86-64 and arm64 code);
/// -1 for a call whose flag was not decoded.
std::vector<std::int64_t> flag_passed_with_address(const binfmt::BinaryView& v, std::uint64_t lo,
                                                   std::uint64_t hi);

}  // namespace ftkit::audit
