// Follows calls to an imported function in x86-64 code (ELF, PE, Mach-O) and arm64 code (Mach-O,
// PE) far enough to read an immediate second argument (System V: %esi; Windows x64: %edx; arm64:
// w1). Used
// for PyUnstable_Module_SetGIL(module, gil): Cython and PyO3 0.23-0.27 pass Py_MOD_GIL_USED (0) as
// well as Py_MOD_GIL_NOT_USED (1), so the import alone proves nothing. Pattern matching on bytes,
// not a disassembler: a call whose argument is not set by one of the recognised instructions right
// before it decodes to -1 (unknown).
#include <array>
#include <optional>
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
        if (op == 0xB0 + reg && reg < 4 && left >= 2) return b(code, j + 1);  // mov $imm8, %r8
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

std::vector<std::pair<std::uint64_t, std::int64_t>> arm64_stores_into(const BinaryView& v,
                                                                      std::uint64_t addr,
                                                                      std::uint64_t len);

// The slot entry {id at +0, value at +8} in %xmmN at `site`, built on the stack the way MSVC does
// (contourpy 1.4.0 win_amd64, pybind11 3): `movl $4, 48(%rsp); movq $1, 56(%rsp); movups
// 48(%rsp), %xmm3` ... `movaps %xmm3, slots+48(%rip)`. Walks back (bytes, not a disassembler) to
// the load of %xmmN from d(%rsp), then to the last stores into d and d+8: an immediate is a value,
// a register store is -1. Empty if the load is not found.
std::vector<std::pair<std::uint64_t, std::int64_t>> xmm_entry_before(std::span<const std::byte> code,
                                                                     std::uint64_t site,
                                                                     std::uint8_t n) {
    std::vector<std::pair<std::uint64_t, std::int64_t>> out;
    std::uint64_t lo = site > 96 ? site - 96 : 0, load = 0;
    std::uint8_t d = 0;
    for (std::uint64_t j = site; j-- > lo && !load;)  // movups/movaps d(%rsp), %xmmN: 0F 10/28
        if (b(code, j) == 0x0F && (b(code, j + 1) == 0x10 || b(code, j + 1) == 0x28) &&
            b(code, j + 2) == (0x44 | n << 3) && b(code, j + 3) == 0x24 && j + 5 <= site)
            load = j, d = b(code, j + 4);
    if (!load) return out;
    lo = load > 160 ? load - 160 : 0;
    for (std::uint8_t part : {std::uint8_t{0}, std::uint8_t{8}}) {
        const std::uint8_t at = static_cast<std::uint8_t>(d + part);
        for (std::uint64_t j = load; j-- > lo;) {
            std::uint64_t k = b(code, j) == 0x48 ? j + 1 : j;  // movq: REX.W
            if (k + 4 > load || b(code, k + 2) != 0x24 || b(code, k + 3) != at) continue;
            if (b(code, k) == 0xC7 && b(code, k + 1) == 0x44 && k + 8 <= load) {  // $imm32, d(%rsp)
                out.emplace_back(part, rel32(code, k + 4));
                break;
            }
            if (b(code, k) == 0x89 && (b(code, k + 1) & 0xC7) == 0x44) {  // %reg, d(%rsp)
                out.emplace_back(part, -1);
                break;
            }
        }
    }
    return out;
}

}  // namespace

std::vector<std::pair<std::uint64_t, std::int64_t>> stores_into(const BinaryView& v,
                                                                std::uint64_t addr,
                                                                std::uint64_t len) {
    std::vector<std::pair<std::uint64_t, std::int64_t>> out;
    if (v.arch == "arm64" || v.arch == "aarch64") return arm64_stores_into(v, addr, len);
    if (v.arch != "x86_64") return out;  // RIP-relative stores: the same in ELF, PE and Mach-O
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
            } else if (b(code, i) == 0x0F && (b(code, i + 1) == 0x29 || b(code, i + 1) == 0x11) &&
                       (b(code, i + 2) & 0xC7) == 0x05) {
                // movaps/movups %xmmN, disp(%rip): 16 bytes, an entry built on the stack (MSVC).
                std::uint64_t target = s.vaddr + i + 7 +
                                       static_cast<std::uint64_t>(
                                           static_cast<std::int64_t>(rel32(code, i + 3)));
                if (target >= addr && target - addr < len)
                    for (auto [off, v8] : xmm_entry_before(code, i, (b(code, i + 2) >> 3) & 7))
                        out.emplace_back(target - addr + off, v8);
                continue;
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

namespace {

// The page an arm64 `ADRP xN, page` at pc addresses, and N; nullopt for another instruction.
std::optional<std::pair<std::uint64_t, std::uint32_t>> adrp_page(std::uint64_t pc,
                                                                 std::uint32_t insn) {
    if ((insn & 0x9F000000) != 0x90000000) return {};
    std::int64_t pages = static_cast<std::int64_t>(((insn >> 5) & 0x7FFFF) << 2 | (insn >> 29 & 3));
    if (pages & (1 << 20)) pages -= 1 << 21;
    return std::pair{(pc & ~std::uint64_t{0xFFF}) + static_cast<std::uint64_t>(pages * 4096),
                     insn & 0x1F};
}

std::uint32_t word(std::span<const std::byte> code, std::uint64_t i) {
    return b(code, i) | b(code, i + 1) << 8 | b(code, i + 2) << 16 |
           static_cast<std::uint32_t>(b(code, i + 3)) << 24;
}

// Calls fn(code, i, pc, page, n) at every `ADRP xN, page` of executable code (code[i], address pc)
// until fn returns false.
template <class Fn>
void each_adrp(const BinaryView& v, Fn&& fn) {
    for (const auto& s : v.sections) {
        if (!s.executable) continue;
        auto code = contents(v, s);
        for (std::uint64_t i = 0; i + 8 <= code.size(); i += 4)
            if (auto adrp = adrp_page(s.vaddr + i, word(code, i)))
                if (!fn(code, i, s.vaddr + i, adrp->first, adrp->second)) return;
    }
}

// The address `ADD xN, xN, #imm12` (insn) makes of `page` in xN, if insn is that instruction.
std::optional<std::uint64_t> add_to_page(std::uint32_t insn, std::uint32_t n, std::uint64_t page) {
    if ((insn & 0xFFC003FF) != (0x91000000 | n << 5 | n)) return {};
    return page + ((insn >> 10) & 0xFFF);
}

// arm64 PE (MSVC): a call through the IAT is `adrp xN, slot@page; ...; ldr xN, [xN, #off];
// blr xN`, with the argument set-up scheduled in between (numpy 2.5.5 win_arm64's _umath_tests:
// adrp x8; mov x0, x19; mov w1, #1; ldr x8, [x8, #0x7b0]; blr x8); an import thunk is the same
// ending in `br x16`, reached by `bl`. Returns the w1 value at each call.
std::vector<std::int64_t> arm64_pe_calls(const BinaryView& v, const std::set<std::uint64_t>& slots) {
    constexpr std::uint64_t kWindow = 8 * 4;  // instructions between ADRP, LDR and BLR
    std::vector<std::int64_t> out;
    std::set<std::uint64_t> thunks;
    each_adrp(v, [&](std::span<const std::byte> code, std::uint64_t i, std::uint64_t pc,
                     std::uint64_t page, std::uint32_t n) {
        // LDR xN, [xN, #imm12*8] (64-bit, unsigned offset) reaching a slot of the symbol.
        std::uint64_t ldr = 0;
        for (std::uint64_t k = i + 4; k + 4 <= code.size() && k <= i + kWindow; k += 4) {
            std::uint32_t insn = word(code, k);
            if ((insn & 0xFFC003FF) == (0xF9400000 | n << 5 | n)) {
                if (slots.count(page + ((insn >> 10) & 0xFFF) * 8)) ldr = k;
                break;
            }
        }
        if (!ldr) return true;
        for (std::uint64_t k = ldr + 4; k + 4 <= code.size() && k <= ldr + kWindow; k += 4) {
            std::uint32_t insn = word(code, k);
            if (insn == (0xD63F0000u | n << 5)) {  // BLR xN: a call here
                out.push_back(w1_before(code, k));
                break;
            }
            if (insn == (0xD61F0000u | n << 5)) {  // BR xN: a thunk (or a tail call)
                if (k == ldr + 4 && ldr == i + 4) thunks.insert(pc);
                else out.push_back(w1_before(code, k));
                break;
            }
        }
        return out.size() < 64;
    });
    if (!thunks.empty())
        for (auto value : arm64_calls(v, thunks)) out.push_back(value);
    if (out.size() > 64) out.resize(64);
    return out;
}

// arm64: `adrp xB, page; add xB, xB, #off` takes an address A near [addr, addr+len), then the
// next instructions store constants through xB (contourpy 1.4.0 macOS arm64, pybind11 3: A is the
// static's guard, 8 bytes before the array; `mov w9, #4; str w9, [x19, #56]; str x8, [x19, #64]`
// with x8 = 1 from an earlier `mov w8, #1`). Registers are followed in a straight line: MOVZ and
// MOV wzr set a constant, a call clobbers x0-x18, any other write makes a register unknown, and a
// write to xB, a return or 64 instructions end the walk. Stores: STR/STP (unsigned/signed offset).
std::vector<std::pair<std::uint64_t, std::int64_t>> arm64_stores_into(const BinaryView& v,
                                                                      std::uint64_t addr,
                                                                      std::uint64_t len) {
    constexpr std::int64_t kUnknown = -1;
    std::vector<std::pair<std::uint64_t, std::int64_t>> out;
    each_adrp(v, [&](std::span<const std::byte> code, std::uint64_t i, std::uint64_t,
                     std::uint64_t page, std::uint32_t base) {
        auto at = add_to_page(word(code, i + 4), base, page);
        if (!at || *at + 64 < addr || *at >= addr + len) return true;
        const std::uint64_t a = *at;
        std::array<std::int64_t, 32> reg;
        reg.fill(kUnknown);
        auto store = [&](std::uint32_t rt, std::int64_t off) {
            std::uint64_t target = a + static_cast<std::uint64_t>(off);
            if (target >= addr && target - addr < len)
                out.emplace_back(target - addr, rt == 31 ? 0 : reg[rt]);
        };
        for (std::uint64_t k = i + 8; k + 4 <= code.size() && k < i + 8 + 64 * 4; k += 4) {
            const std::uint32_t insn = word(code, k), rd = insn & 0x1F, rn = (insn >> 5) & 0x1F;
            const std::uint32_t rt2 = (insn >> 10) & 0x1F;
            if ((insn & 0xBFC00000) == 0xB9000000 && rn == base) {  // STR w/x, [xB, #imm12]
                store(rd, static_cast<std::int64_t>((insn >> 10) & 0xFFF) << (2 + (insn >> 30 & 1)));
            } else if ((insn & 0x7FC00000) == 0x29000000 && rn == base) {  // STP, signed offset
                std::int64_t imm7 = (insn >> 15) & 0x7F;
                if (imm7 & 0x40) imm7 -= 0x80;
                const int scale = (insn >> 31) ? 8 : 4;
                store(rd, imm7 * scale), store(rt2, imm7 * scale + scale);
            } else if ((insn & 0x7F800000) == 0x52800000) {  // MOVZ
                reg[rd] = static_cast<std::int64_t>((insn >> 5) & 0xFFFF) << (16 * ((insn >> 21) & 3));
            } else if ((insn & 0x7FE0FFE0) == 0x2A0003E0) {  // MOV w/x, w/xM (ORR with zr)
                std::uint32_t rm = (insn >> 16) & 0x1F;
                reg[rd] = rm == 31 ? 0 : reg[rm];
            } else if ((insn & 0xFC000000) == 0x94000000 || (insn & 0xFFFFFC1F) == 0xD63F0000) {
                for (int r = 0; r <= 18; ++r) reg[r] = kUnknown;  // BL / BLR: caller-saved
                reg[30] = kUnknown;
            } else if (insn == 0xD65F03C0) {  // RET
                break;
            } else if (((insn >> 25) & 0x5) == 0x4 && !(insn & (1u << 22))) {
                // Another store (L bit clear): writes memory only (writeback forms aside).
            } else if (((insn >> 26) & 0x7) == 0x5 || (insn & 0x7C000000) == 0x14000000) {
                // Branches write no register (BL handled above).
            } else {
                if (rd == base) break;  // the base is rewritten: stop following it
                reg[rd] = kUnknown;
            }
        }
        return out.size() < 4096;
    });
    return out;
}

// x86-64 calls to `stubs` (call/jmp rel32) or through `slots` (call/jmp *slot(%rip)): the value
// the instructions before each put in the 32-bit register `reg`.
std::vector<std::int64_t> x86_calls(const BinaryView& v, const std::set<std::uint64_t>& stubs,
                                    const std::set<std::uint64_t>& slots, std::uint8_t reg,
                                    bool (*skip)(const Section&)) {
    std::vector<std::int64_t> out;
    for (const auto& s : v.sections) {
        if (!s.executable || skip(s)) continue;
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

// The value the instructions before `site` put in %r8d (the Windows x64 ABI's third argument),
// or -1: mov $imm32, %r8d (41 B8); xor %r8d, %r8d (45 31 C0 / 45 33 C0); mov $imm8, %r8b
// (41 B0); a register move into it ([REX.B] 89 /r with rm=0, [REX.R] 8B /r with reg=0) is not.
std::int64_t r8d_before(std::span<const std::byte> code, std::uint64_t site) {
    std::uint64_t lo = site > 48 ? site - 48 : 0;
    for (std::uint64_t j = site; j-- > lo;) {
        std::uint64_t left = site - j;
        std::uint8_t rex = b(code, j);
        if (rex < 0x40 || rex > 0x4F || left < 2) continue;
        std::uint8_t op = b(code, j + 1);
        if (rex == 0x41 && op == 0xB8 && left >= 6) return static_cast<std::uint32_t>(rel32(code, j + 2));
        if (rex == 0x41 && op == 0xB0 && left >= 3) return b(code, j + 2);
        if (rex == 0x45 && (op == 0x31 || op == 0x33) && left >= 3 && b(code, j + 2) == 0xC0)
            return 0;
        if (left >= 3 && ((op == 0x89 && (rex & 1) && (b(code, j + 2) & 0xC7) == 0xC0) ||
                          (op == 0x8B && (rex & 4) && (b(code, j + 2) & 0xF8) == 0xC0)))
            return -1;
    }
    return -1;
}

bool is_plt(const Section& s) { return s.name.rfind(".plt", 0) == 0; }
bool is_stubs(const Section& s) { return s.name.find("__stubs") != std::string::npos; }
bool no_section(const Section&) { return false; }

}  // namespace

std::vector<std::int64_t> second_argument_at_calls(const BinaryView& v, std::string_view symbol) {
    std::set<std::uint64_t> slots;  // GOT (ELF), IAT (PE) entries or stub addresses (Mach-O)
    for (const auto& [name, addr] : v.import_slots)
        if (name == symbol) slots.insert(addr);
    if (slots.empty()) return {};
    const bool x86 = v.arch == "x86_64";
    if (v.format == binfmt::Format::macho && v.arch == "arm64") return arm64_calls(v, slots);
    if (v.format == binfmt::Format::pe && v.arch == "arm64") return arm64_pe_calls(v, slots);
    // Mach-O x86-64: `call stub` (E8) into __stubs, whose entries `jmp *lazy_ptr(%rip)`; the
    // stub's address is what import_slots holds. System V ABI: the second argument is %esi.
    if (v.format == binfmt::Format::macho && x86) return x86_calls(v, slots, {}, 6, is_stubs);
    bool elf = v.format == binfmt::Format::elf && x86;
    bool pe = v.format == binfmt::Format::pe && x86;
    if (!elf && !pe) return {};

    // Stubs jump through the slot: `jmp *disp(%rip)` (FF 25), in ELF's .plt sections optionally
    // after endbr64/bnd; MSVC's import thunks are the same jump (sometimes with a REX prefix).
    std::set<std::uint64_t> stubs;
    for (const auto& s : v.sections) {
        if (elf ? !is_plt(s) : !s.executable) continue;
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
    // %esi (System V) or %edx (Windows x64)
    return elf ? x86_calls(v, stubs, slots, 6, is_plt) : x86_calls(v, stubs, slots, 2, no_section);
}

// PyO3 0.23-0.27's PyInit is `_PYO3_DEF.make_module(py, gil_used)` with gil_used a literal
// (pyo3-macros-backend src/module.rs); make_module returns its PyResult through a hidden pointer,
// so `self` is the second argument and the flag the third: System V `lea def(%rip), %rsi` and
// %edx (rpds-py 0.22.3 manylinux: xor %edx, %edx), Windows x64 `lea def(%rip), %rdx` and %r8d
// (win_amd64: xor %r8d, %r8d), arm64 `adrp x0; add x0, x0, #off` (the result pointer is x8) and
// w1 (macOS arm64: mov w1, #0). The call is the first one within a few instructions.
std::vector<std::int64_t> flag_passed_with_address(const BinaryView& v, std::uint64_t lo,
                                                   std::uint64_t hi) {
    std::vector<std::int64_t> out;
    auto inside = [&](std::uint64_t a) { return a >= lo && a < hi; };
    if (v.arch == "x86_64") {
        const bool windows = v.format == binfmt::Format::pe;
        const std::uint8_t lea_modrm = windows ? 0x15 : 0x35;  // %rdx : %rsi, disp32(%rip)
        for (const auto& s : v.sections) {
            if (!s.executable) continue;
            auto code = contents(v, s);
            for (std::uint64_t i = 0; i + 7 <= code.size(); ++i) {
                if (b(code, i) != 0x48 || b(code, i + 1) != 0x8D || b(code, i + 2) != lea_modrm)
                    continue;
                std::uint64_t end = s.vaddr + i + 7;
                if (!inside(end + static_cast<std::uint64_t>(
                                      static_cast<std::int64_t>(rel32(code, i + 3)))))
                    continue;
                for (std::uint64_t k = i + 7; k + 5 <= code.size() && k <= i + 7 + 24; ++k)
                    if (b(code, k) == 0xE8 || (b(code, k) == 0xFF && b(code, k + 1) == 0x15)) {
                        out.push_back(windows ? r8d_before(code, k) : reg_before(code, k, 2));
                        break;
                    }
                if (out.size() >= 64) return out;
            }
        }
    } else if (v.arch == "arm64") {
        each_adrp(v, [&](std::span<const std::byte> code, std::uint64_t i, std::uint64_t,
                         std::uint64_t page, std::uint32_t n) {
            auto at = add_to_page(word(code, i + 4), 0, page);  // ADD x0, x0, #imm12
            if (n != 0 || !at || !inside(*at)) return true;
            for (std::uint64_t k = i + 8; k + 4 <= code.size() && k <= i + 8 + 24; k += 4)
                if ((word(code, k) & 0xFC000000) == 0x94000000) {  // BL
                    out.push_back(w1_before(code, k));
                    break;
                }
            return out.size() < 64;
        });
    }
    return out;
}

}  // namespace ftkit::audit
