// Follows calls to an imported function in x86-64 code (ELF and PE) and arm64 Mach-O code far
// enough to read an immediate second argument (System V: %esi; Windows x64: %edx; arm64: w1). Used
// for PyUnstable_Module_SetGIL(module, gil): Cython and PyO3 0.23-0.27 pass Py_MOD_GIL_USED (0) as
// well as Py_MOD_GIL_NOT_USED (1), so the import alone proves nothing. Pattern matching on bytes,
// not a disassembler: a call whose argument is not set by one of the recognised instructions right
// before it decodes to -1 (unknown).
#include <set>

#include "audit/module_audit.hpp"
#include "binfmt/budget.hpp"
#include "binfmt/byte_cursor.hpp"

namespace ftkit::audit {
namespace {

using binfmt::BinaryView;
using binfmt::Section;

std::uint8_t b(std::span<const std::byte> s, std::uint64_t i) {
    return std::to_integer<std::uint8_t>(s[i]);
}

std::int32_t rel32(std::span<const std::byte> s, std::uint64_t i) {
    std::uint32_t v = b(s, i) | (b(s, i + 1) << 8) | (b(s, i + 2) << 16) |
                      (static_cast<std::uint32_t>(b(s, i + 3)) << 24);
    return static_cast<std::int32_t>(v);
}

std::span<const std::byte> contents(const BinaryView& v, const Section& s) {
    binfmt::spend(s.file_size / 8 + 1, "scanning code");  // overlapping sections rescan bytes
    if (s.file_offset > v.bytes.size() || s.file_size > v.bytes.size() - s.file_offset) return {};
    return v.bytes.subspan(s.file_offset, s.file_size);
}

// The value the instructions before `site` put in the 32-bit register `reg` (x86 encoding:
// 6 = %esi, the second argument in the System V ABI; 2 = %edx, the second in the Windows x64
// ABI), or -1 if it is set from another register or not found.
std::int64_t reg_before(std::span<const std::byte> code, std::uint64_t site, std::uint8_t reg) {
    std::uint64_t lo = site > 48 ? site - 48 : 0;
    const std::uint8_t self_modrm = static_cast<std::uint8_t>(0xC0 | reg << 3 | reg);
    for (std::uint64_t j = site; j-- > lo;) {
        std::uint64_t left = site - j;
        std::uint8_t op = b(code, j);
        if (op == 0xB8 + reg && left >= 5)
            return static_cast<std::uint32_t>(rel32(code, j + 1));  // mov $imm32, %r32
        if ((op == 0x31 || op == 0x33) && left >= 2 && b(code, j + 1) == self_modrm)
            return 0;  // xor %r, %r
        if (op == 0x48 && left >= 7 && b(code, j + 1) == 0xC7 &&
            b(code, j + 2) == 0xC0 + reg)  // mov $imm32, %r64
            return rel32(code, j + 3);
        // A register move into it (89 /r with rm=reg, 8B /r with reg=reg): not a constant.
        if ((op == 0x89 && left >= 2 && (b(code, j + 1) & 0xC7) == (0xC0 | reg)) ||
            (op == 0x8B && left >= 2 && (b(code, j + 1) & 0xF8) == (0xC0 | reg << 3)))
            return -1;
    }
    return -1;
}

}  // namespace

std::vector<std::pair<std::uint64_t, std::int64_t>> stores_into(const BinaryView& v,
                                                                std::uint64_t addr,
                                                                std::uint64_t len) {
    std::vector<std::pair<std::uint64_t, std::int64_t>> out;
    if (v.format == binfmt::Format::macho || v.arch != "x86_64") return out;
    for (const auto& s : v.sections) {
        if (!s.executable) continue;
        auto code = contents(v, s);
        for (std::uint64_t i = 0; i + 11 <= code.size(); ++i) {
            // movl $imm32, disp(%rip): C7 05 disp imm (10 bytes); movq: REX.W first (11 bytes);
            // mov %reg, disp(%rip): [REX] 89 modrm(00 reg 101) disp (6/7 bytes).
            std::uint64_t len_insn = 0, disp_at = 0;
            std::int64_t value = -1;
            bool rex = b(code, i) == 0x48 || b(code, i) == 0x4C;
            std::uint64_t j = rex ? i + 1 : i;
            if (b(code, j) == 0xC7 && b(code, j + 1) == 0x05) {
                len_insn = j - i + 10, disp_at = j + 2, value = rel32(code, j + 6);
            } else if (b(code, j) == 0x89 && (b(code, j + 1) & 0xC7) == 0x05) {
                len_insn = j - i + 6, disp_at = j + 2;
            } else {
                continue;
            }
            std::uint64_t target =
                s.vaddr + i + len_insn +
                static_cast<std::uint64_t>(static_cast<std::int64_t>(rel32(code, disp_at)));
            if (target >= addr && target - addr < len) out.emplace_back(target - addr, value);
        }
    }
    return out;
}

// The value the instructions before the arm64 call at `site` put in w1/x1 (AAPCS64's second
// argument), or -1: MOVZ w1/x1, #imm; MOV w1, wzr; anything else writing register 1 is not a
// constant.
std::int64_t w1_before(std::span<const std::byte> code, std::uint64_t site) {
    for (std::uint64_t back = 1; back <= 6 && back * 4 <= site; ++back) {
        std::uint64_t j = site - back * 4;
        std::uint32_t insn = b(code, j) | b(code, j + 1) << 8 | b(code, j + 2) << 16 |
                             static_cast<std::uint32_t>(b(code, j + 3)) << 24;
        if ((insn & 0x1F) != 1) continue;
        if ((insn & 0x7F800000) == 0x52800000)  // MOVZ
            return static_cast<std::int64_t>(((insn >> 5) & 0xFFFF)) << (16 * ((insn >> 21) & 3));
        if ((insn & 0x7FE0FFE0) == 0x2A0003E0)
            return ((insn >> 16) & 0x1F) == 31 ? 0 : -1;  // MOV w1, wN
        bool data_processing = ((insn >> 26) & 0x7) == 0x4 || ((insn >> 25) & 0x7) == 0x5;
        bool load = (insn & 0x3B400000) == 0x39400000;  // LDR* (unsigned immediate)
        if (data_processing || load) return -1;
    }
    return -1;
}

std::vector<std::int64_t> arm64_calls(const BinaryView& v, const std::set<std::uint64_t>& stubs) {
    std::vector<std::int64_t> out;
    for (const auto& s : v.sections) {
        if (!s.executable || s.name.find("__stubs") != std::string::npos) continue;
        auto code = contents(v, s);
        for (std::uint64_t i = 0; i + 4 <= code.size(); i += 4) {
            std::uint32_t insn = b(code, i) | b(code, i + 1) << 8 | b(code, i + 2) << 16 |
                                 static_cast<std::uint32_t>(b(code, i + 3)) << 24;
            if ((insn & 0x7C000000) != 0x14000000) continue;  // B / BL imm26
            std::int64_t imm = static_cast<std::int64_t>(insn & 0x3FFFFFF);
            if (imm & 0x2000000) imm -= 0x4000000;
            if (stubs.count(s.vaddr + i + static_cast<std::uint64_t>(imm * 4)))
                out.push_back(w1_before(code, i));
            if (out.size() >= 64) return out;
        }
    }
    return out;
}

std::vector<std::int64_t> second_argument_at_calls(const BinaryView& v, std::string_view symbol) {
    std::vector<std::int64_t> out;
    if (v.format == binfmt::Format::macho && v.arch == "arm64") {
        std::set<std::uint64_t> stubs;
        for (const auto& [name, addr] : v.import_slots)
            if (name == symbol) stubs.insert(addr);
        return stubs.empty() ? out : arm64_calls(v, stubs);
    }
    bool elf = v.format == binfmt::Format::elf && v.arch == "x86_64";
    bool pe = v.format == binfmt::Format::pe && v.arch == "x86_64";
    if (!elf && !pe) return out;
    std::set<std::uint64_t> slots;  // GOT (ELF) or IAT (PE) entries of the symbol
    for (const auto& [name, addr] : v.import_slots)
        if (name == symbol) slots.insert(addr);
    if (slots.empty()) return out;

    // Stubs jump through the slot: `jmp *disp(%rip)` (FF 25), in ELF's .plt sections optionally
    // after endbr64/bnd; MSVC's import thunks are the same jump (sometimes with a REX prefix).
    std::set<std::uint64_t> stubs;
    for (const auto& s : v.sections) {
        if (elf ? s.name.rfind(".plt", 0) != 0 : !s.executable) continue;
        auto code = contents(v, s);
        for (std::uint64_t i = 0; i + 6 <= code.size(); ++i) {
            if (b(code, i) != 0xFF || b(code, i + 1) != 0x25) continue;
            if (!slots.count(
                    s.vaddr + i + 6 +
                    static_cast<std::uint64_t>(static_cast<std::int64_t>(rel32(code, i + 2)))))
                continue;
            std::uint64_t start = i;
            if (start >= 1 && (b(code, start - 1) == 0xF2 || b(code, start - 1) == 0x48))
                --start;  // bnd / REX.W
            if (start >= 4 && b(code, start - 4) == 0xF3 && b(code, start - 3) == 0x0F &&
                b(code, start - 2) == 0x1E && b(code, start - 1) == 0xFA)
                start -= 4;  // endbr64
            stubs.insert(s.vaddr + start);
        }
    }
    const std::uint8_t reg = elf ? 6 : 2;  // %esi (System V) or %edx (Windows x64)
    for (const auto& s : v.sections) {
        if (!s.executable || (elf && s.name.rfind(".plt", 0) == 0)) continue;
        auto code = contents(v, s);
        for (std::uint64_t i = 0; i + 6 <= code.size(); ++i) {
            std::uint8_t op = b(code, i);
            bool hit = false;
            if (op == 0xE8 || op == 0xE9) {  // call/jmp rel32 to a stub
                std::uint64_t target =
                    s.vaddr + i + 5 +
                    static_cast<std::uint64_t>(static_cast<std::int64_t>(rel32(code, i + 1)));
                hit = stubs.count(target) > 0;
            } else if (op == 0xFF && (b(code, i + 1) == 0x15 ||
                                      b(code, i + 1) == 0x25)) {  // call/jmp *slot(%rip)
                std::uint64_t target =
                    s.vaddr + i + 6 +
                    static_cast<std::uint64_t>(static_cast<std::int64_t>(rel32(code, i + 2)));
                hit = slots.count(target) > 0 && !stubs.count(s.vaddr + i) &&
                      !stubs.count(s.vaddr + i - 1);
            }
            if (hit) out.push_back(reg_before(code, i, reg));
            if (out.size() >= 64) return out;
        }
    }
    return out;
}

}  // namespace ftkit::audit
