// Finds module slot arrays in data: PyModuleDef_Slot[] (3.5+) and PySlot[] (3.15, PEP 793).
//
// Layouts (Include/moduleobject.h, Include/slots.h): PyModuleDef_Slot is {int slot; void *value}
// (16 bytes on 64-bit); PySlot is {uint16 id; uint16 flags; uint32 reserved; 8-byte value}.
// Both end with an all-zero entry. Pointer values (Py_mod_exec's function) are fixed by the
// loader, so they show up as relocations; Py_mod_gil's value is the plain integer 0 (USED) or
// 1 (NOT_USED) and must not be relocated.
#include <algorithm>
#include <set>

#include "audit/module_audit.hpp"
#include "audit/slot_ids.hpp"
#include "binfmt/budget.hpp"
#include "binfmt/byte_cursor.hpp"

namespace ftkit::audit {
namespace {

using binfmt::BinaryView;

constexpr int kMaxEntries = 64;

enum class Kind { invalid, pointer, small_int, any_int };

Kind slot_kind(std::uint32_t id) {
    switch (id) {
        case kModCreate:
        case kModExec:
        case kModCreate315:
        case kModExec315:
        case 94:
        case 100:
        case 101:
        case 103:
        case 104:
        case 105:
        case 106:
        case 109:
        case 110:
            return Kind::pointer;
        case kModMultipleInterpreters:
        case kModGil:
        case kModMultipleInterpreters315:
        case kModGil315:
            return Kind::small_int;
        case 102:
            return Kind::any_int;  // Py_mod_state_size
        default:
            return Kind::invalid;
    }
}

struct Entry {
    std::uint32_t id;
    std::uint16_t flags;
    std::uint64_t value;
    bool pointer;
    bool zero;
};

std::optional<Entry> read_entry(const BinaryView& v, std::uint64_t addr) {
    auto raw = v.at(addr, 16);
    if (!raw) {
        // Zero-initialised data (.bss, __DATA,__bss) has no file bytes: an all-zero entry,
        // which is how `static PyModuleDef_Slot slots[] = {{0, NULL}};` is laid out.
        // PE keeps them as the part of a section beyond its raw data (VirtualSize > SizeOfRawData).
        binfmt::spend(v.sections.size(), "zero-filled slot lookup");
        for (const auto& s : v.sections)
            if (addr >= s.vaddr && addr - s.vaddr >= s.file_size && addr - s.vaddr < s.size &&
                s.size - (addr - s.vaddr) >= 16)
                return Entry{0, 0, 0, false, true};
        return std::nullopt;
    }
    binfmt::ByteCursor c(*raw, v.big_endian ? std::endian::big : std::endian::little);
    std::uint32_t head = c.peek_at<std::uint32_t>(0, "slot id");
    std::uint32_t reserved = c.peek_at<std::uint32_t>(4, "slot padding");
    Entry e{};
    if (v.big_endian && head >= 0x10000) {
        e.id = head >> 16;
        e.flags = static_cast<std::uint16_t>(head & 0xffff);
    } else if (v.big_endian) {
        e.id = head;
    } else {
        e.id = head & 0xffff;
        e.flags = static_cast<std::uint16_t>(head >> 16);
    }
    e.value = c.peek_at<std::uint64_t>(8, "slot value");
    e.pointer = v.pointer_at(addr + 8).has_value();
    if (v.pointer_at(addr) || reserved != 0 || e.flags > 7) e.id = 0xffff;  // not a slot entry
    e.zero = head == 0 && reserved == 0 && e.value == 0 && !e.pointer;
    return e;
}

bool entry_valid(const Entry& e) {
    switch (slot_kind(e.id)) {
        case Kind::pointer:
            return e.pointer;
        case Kind::small_int:
            return !e.pointer && e.value <= 2 && (e.value <= 1 || !is_gil_slot(e.id));
        case Kind::any_int:
            return !e.pointer;
        default:
            return false;
    }
}

std::optional<SlotArray> parse_array(const BinaryView& v, std::uint64_t addr,
                                     bool allow_empty = false) {
    SlotArray out;
    out.address = addr;
    for (int i = 0; i < kMaxEntries; ++i) {
        auto e = read_entry(v, addr + 16ull * i);
        if (!e) return std::nullopt;
        if (e->zero) {
            if (out.entries.empty() && !allow_empty) return std::nullopt;
            return out;
        }
        if (!entry_valid(*e)) return std::nullopt;
        if (e->flags || e->id == 94 || e->id >= 100) out.pyslot = true;
        out.entries.push_back({e->id, e->value, e->pointer});
    }
    return std::nullopt;
}

bool has_gil(const SlotArray& a) {
    return std::any_of(a.entries.begin(), a.entries.end(),
                       [](auto& e) { return is_gil_slot(e.id); });
}

bool has_code(const SlotArray& a) {
    return std::any_of(a.entries.begin(), a.entries.end(), [](auto& e) {
        return e.id == kModExec || e.id == kModCreate || e.id == kModExec315 ||
               e.id == kModCreate315 || e.id == 100;
    });
}

// The C string at addr, if a section holds it within 256 bytes.
std::string_view string_at(const BinaryView& v, std::uint64_t addr) {
    auto raw = v.up_to(addr, 256);
    std::string_view s(reinterpret_cast<const char*>(raw.data()), raw.size());
    auto nul = s.find('\0');
    return nul == std::string_view::npos ? std::string_view{} : s.substr(0, nul);
}

}  // namespace

std::vector<std::uint64_t> module_def_names(const BinaryView& v, const std::string& module_name) {
    std::vector<std::uint64_t> out;
    if (module_name.empty()) return out;
    for (const auto& [where, target] : v.pointers) {
        std::string_view name = string_at(v, target);
        if (name == module_name ||
            (name.size() > module_name.size() &&
             name.substr(name.size() - module_name.size()) == module_name &&
             name[name.size() - module_name.size() - 1] == '.'))
            out.push_back(where);
    }
    return out;
}

std::vector<SlotArray> find_slot_arrays(const BinaryView& v, const std::string& module_name) {
    std::vector<SlotArray> out;
    if (v.bits != 64) return out;  // 16-byte entries assumed below; 32-bit wheels are rare
    std::set<std::uint64_t> seen;
    // 0. The module's own PyModuleDef: its m_name points at the module's name (or a dotted name
    //    ending in it), and m_slots sits 4 pointers after m_name whatever PyObject_HEAD's size
    //    (Include/moduleobject.h: m_name, m_doc, m_size, m_methods, m_slots). An empty array
    //    ({0, NULL} only) is then still found: multi-phase without a Py_mod_gil slot.
    if (!module_name.empty()) {
        for (std::uint64_t where : module_def_names(v, module_name)) {
            auto slots = v.pointer_at(where + 32);
            if (!slots || seen.count(*slots)) continue;
            auto a = parse_array(v, *slots, true);
            if (!a) continue;
            a->referenced = a->from_module_def = true;
            // Empty ({0, NULL} first) whether in .bss or in file bytes that are zero: MSVC puts
            // pybind11 3's run-time array in the zero padding of .data's raw data (highspy 1.16.0
            // win_amd64), so an empty array read from the file proves nothing either.
            a->zero_initialised = a->entries.empty();
            seen.insert(*slots);
            out.push_back(std::move(*a));
        }
        if (!out.empty()) return out;
    }
    // 1. Arrays a relocated pointer points at (PyModuleDef.m_slots): the reliable way in.
    std::set<std::uint64_t> targets;
    for (const auto& p : v.pointers)
        if (p.second % 8 == 0) targets.insert(p.second);
    for (std::uint64_t t : targets) {
        auto a = parse_array(v, t);
        if (a && (has_code(*a) || has_gil(*a))) {
            a->referenced = true;
            seen.insert(t);
            out.push_back(std::move(*a));
        }
    }
    // 2. Arrays reached only from code (3.15's PyModExport_* returns its PySlot array): find
    //    Py_mod_gil entries in writable/read-only data and walk back to the array's start.
    for (const auto& s : v.sections) {
        if (s.executable || s.file_size < 32) continue;
        for (std::uint64_t off = 0; off + 16 <= s.file_size; off += 8) {
            std::uint64_t addr = s.vaddr + off;
            auto e = read_entry(v, addr);
            if (!e || !is_gil_slot(e->id) || !entry_valid(*e)) continue;
            std::uint64_t start = addr;
            for (int i = 0; i < kMaxEntries && start >= s.vaddr + 16; ++i) {
                auto prev = read_entry(v, start - 16);
                if (!prev || prev->zero || !entry_valid(*prev)) break;
                start -= 16;
            }
            if (seen.count(start)) continue;
            auto a = parse_array(v, start);
            // Unreferenced, so demand a code entry too: {4, 1}, {0, 0} alone is a common int table.
            if (a && has_code(*a)) {
                seen.insert(start);
                out.push_back(std::move(*a));
            }
        }
    }
    return out;
}

}  // namespace ftkit::audit
