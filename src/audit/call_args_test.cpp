// Call-argument and store decoding (call_args.cpp) on machine code written out in the test.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "audit/module_audit.hpp"

namespace {

using ftkit::audit::flag_passed_with_address;
using ftkit::audit::second_argument_at_calls;
using ftkit::audit::stores_into;
using ftkit::binfmt::BinaryView;
using ftkit::binfmt::Format;

constexpr std::uint64_t kStub = 0x1000, kText = 0x2000, kSlot = 0x3000;
constexpr const char* kSetGil = "PyUnstable_Module_SetGIL";

void put32(std::vector<std::byte>& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::byte>(v >> (8 * i)));
}

// The rel32 that makes an instruction ending at `end` reach `target`.
std::uint32_t rel(std::uint64_t end, std::uint64_t target) {
    return static_cast<std::uint32_t>(static_cast<std::int64_t>(target - end));
}

std::vector<std::byte> bytes(std::initializer_list<int> list) {
    std::vector<std::byte> out;
    for (int b : list) out.push_back(static_cast<std::byte>(b));
    return out;
}

// A view over `storage`: one section per (name, vaddr, code), laid out one after another.
struct Image {
    std::vector<std::byte> storage;
    BinaryView view;

    Image(Format format, const char* arch,
          std::vector<std::tuple<const char*, std::uint64_t, std::vector<std::byte>>> sections) {
        view.format = format;
        view.arch = arch;
        for (auto& [name, vaddr, code] : sections) {
            view.sections.push_back(
                {name, vaddr, code.size(), storage.size(), code.size(), /*executable=*/true});
            storage.insert(storage.end(), code.begin(), code.end());
        }
        view.bytes = storage;
        view.import_slots.emplace_back(kSetGil, kSlot);
    }
    Image(const Image&) = delete;  // view.bytes points into storage
};

// An ELF .plt stub `jmp *slot(%rip)` at kStub, then `prefix` and `call stub` in .text.
Image elf_call(std::vector<std::byte> prefix) {
    auto plt = bytes({0xFF, 0x25});
    put32(plt, rel(kStub + 6, kSlot));
    auto text = prefix;
    text.push_back(std::byte{0xE8});
    put32(text, rel(kText + text.size() + 4, kStub));
    for (int i = 0; i < 8; ++i) text.push_back(std::byte{0x90});
    return Image(Format::elf, "x86_64", {{".plt", kStub, plt}, {".text", kText, text}});
}

TEST(CallArgs, ElfX8664ImmediateInEsi) {
    EXPECT_EQ(second_argument_at_calls(elf_call(bytes({0xBE, 1, 0, 0, 0})).view, kSetGil),
              std::vector<std::int64_t>{1});                                       // mov $1, %esi
    EXPECT_EQ(second_argument_at_calls(elf_call(bytes({0x31, 0xF6})).view, kSetGil),
              std::vector<std::int64_t>{0});                                       // xor %esi, %esi
    EXPECT_EQ(second_argument_at_calls(elf_call(bytes({0x89, 0xC6})).view, kSetGil),
              std::vector<std::int64_t>{-1});                                      // mov %eax, %esi
    EXPECT_EQ(second_argument_at_calls(elf_call(bytes({0x48, 0xC7, 0xC6, 1, 0, 0, 0})).view,
                                       kSetGil),
              std::vector<std::int64_t>{1});                                       // mov $1, %rsi
    EXPECT_TRUE(second_argument_at_calls(elf_call(bytes({0xBE, 1, 0, 0, 0})).view, "Other")
                    .empty());
}

TEST(CallArgs, PeX8664ImmediateInEdxThroughTheIat) {
    auto text = bytes({0xBA, 1, 0, 0, 0, 0xFF, 0x15});  // mov $1, %edx; call *iat(%rip)
    put32(text, rel(kText + 11, kSlot));
    for (int i = 0; i < 8; ++i) text.push_back(std::byte{0x90});
    Image pe(Format::pe, "x86_64", {{".text", kText, text}});
    EXPECT_EQ(second_argument_at_calls(pe.view, kSetGil), std::vector<std::int64_t>{1});
    pe.view.arch = "arm64";  // x86 bytes read as arm64: no call found, no claim
    EXPECT_TRUE(second_argument_at_calls(pe.view, kSetGil).empty());
}

TEST(CallArgs, MachOX8664ImmediateInEsiAtACallToTheStub) {
    auto text = bytes({0xBE, 1, 0, 0, 0, 0xE8});  // mov $1, %esi; call stub
    put32(text, rel(kText + 10, kStub));
    for (int i = 0; i < 8; ++i) text.push_back(std::byte{0x90});
    Image img(Format::macho, "x86_64", {{"__text", kText, text}});
    img.view.import_slots = {{kSetGil, kStub}};  // Mach-O: the stub's address
    EXPECT_EQ(second_argument_at_calls(img.view, kSetGil), std::vector<std::int64_t>{1});
}

// arm64 ADRP xN, target's page (instruction at pc).
std::uint32_t adrp(std::uint32_t n, std::uint64_t pc, std::uint64_t target) {
    std::int64_t pages = static_cast<std::int64_t>(target >> 12) - static_cast<std::int64_t>(pc >> 12);
    auto imm = static_cast<std::uint32_t>(pages) & 0x1FFFFF;
    return 0x90000000u | (imm & 3) << 29 | (imm >> 2) << 5 | n;
}

TEST(CallArgs, PeArm64ImmediateInW1ThroughTheIat) {
    // MSVC (numpy 2.5.5 win_arm64): adrp x8, slot; mov x0, x19; mov w1, #1; ldr x8, [x8, #off];
    // blr x8.
    auto call = [](std::uint32_t set_w1, std::uint64_t slot) {
        std::vector<std::byte> text;
        put32(text, adrp(8, kText, slot));
        put32(text, 0xAA1303E0);                                               // mov x0, x19
        put32(text, set_w1);
        put32(text, 0xF9400108u | static_cast<std::uint32_t>((slot & 0xFFF) / 8) << 10);  // ldr
        put32(text, 0xD63F0100);                                               // blr x8
        Image img(Format::pe, "arm64", {{".text", kText, text}});
        return second_argument_at_calls(img.view, kSetGil);
    };
    EXPECT_EQ(call(0x52800021, kSlot), std::vector<std::int64_t>{1});   // movz w1, #1
    EXPECT_EQ(call(0x2A1F03E1, kSlot), std::vector<std::int64_t>{0});   // mov w1, wzr
    EXPECT_EQ(call(0x2A0003E1, kSlot), std::vector<std::int64_t>{-1});  // mov w1, w0
    EXPECT_TRUE(call(0x52800021, kSlot + 8).empty());                   // another import's slot
}

TEST(CallArgs, MsvcEntriesBuiltOnTheStackAndStoredThroughXmm) {
    // contourpy 1.4.0 win_amd64: movl $4, 48(%rsp); movq $1, 56(%rsp); movups 48(%rsp), %xmm3;
    // movl %eax, 48(%rsp); movaps %xmm3, 0x5010(%rip).
    auto text = bytes({0xC7, 0x44, 0x24, 0x30, 4, 0, 0, 0, 0x48, 0xC7, 0x44, 0x24, 0x38, 1, 0, 0, 0,
                       0x0F, 0x10, 0x5C, 0x24, 0x30, 0x89, 0x44, 0x24, 0x30, 0x0F, 0x29, 0x1D});
    put32(text, rel(kText + text.size() + 4, 0x5010));
    for (int i = 0; i < 16; ++i) text.push_back(std::byte{0x90});
    Image pe(Format::pe, "x86_64", {{".text", kText, text}});
    std::map<std::uint64_t, std::int64_t> seen;
    for (auto [off, value] : stores_into(pe.view, 0x5000, 0x100)) seen[off] = value;
    EXPECT_EQ(seen, (std::map<std::uint64_t, std::int64_t>{{16, 4}, {24, 1}}));
}

TEST(CallArgs, Arm64StoresThroughABaseRegister) {
    // contourpy 1.4.0 macOS arm64 (pybind11 3): adrp x19; add x19, x19, #off (the guard, 8 bytes
    // before the array); mov w8, #1; bl; mov w9, #4; str w9, [x19, #56]; str x8, [x19, #64].
    constexpr std::uint64_t kGuard = 0x5260;
    std::vector<std::byte> text;
    put32(text, adrp(19, kText, kGuard));
    put32(text, 0x91000000u | (kGuard & 0xFFF) << 10 | 19u << 5 | 19u);
    put32(text, 0x52800028);  // mov w8, #1
    put32(text, 0x52800089);  // mov w9, #4
    put32(text, 0xB9003A69);  // str w9, [x19, #56]
    put32(text, 0xF9002268);  // str x8, [x19, #64]
    put32(text, 0xB9004A7F);  // str wzr, [x19, #72]
    put32(text, 0x94000010);  // bl: x8 no longer known
    put32(text, 0xF9002A68);  // str x8, [x19, #80]
    put32(text, 0xD65F03C0);  // ret
    Image img(Format::macho, "arm64", {{"__text", kText, text}});
    std::map<std::uint64_t, std::int64_t> seen;
    for (auto [off, value] : stores_into(img.view, kGuard + 8, 0x100)) seen[off] = value;
    EXPECT_EQ(seen, (std::map<std::uint64_t, std::int64_t>{{48, 4}, {56, 1}, {64, 0}, {72, -1}}));
}

TEST(CallArgs, PyO3MakeModuleFlagNextToTheModuleDef) {
    constexpr std::uint64_t kDef = 0x5000;
    // System V (rpds-py 0.22.3 manylinux): lea def(%rip), %rsi; lea (%rsp), %rdi; xor %edx, %edx;
    // call make_module.
    auto sysv = bytes({0x48, 0x8D, 0x35});
    put32(sysv, rel(kText + 7, kDef));
    sysv.insert(sysv.end(), {std::byte{0x48}, std::byte{0x8D}, std::byte{0x3C}, std::byte{0x24},
                             std::byte{0x31}, std::byte{0xD2}, std::byte{0xE8}});
    put32(sysv, 0);
    Image elf(Format::elf, "x86_64", {{".text", kText, sysv}});
    EXPECT_EQ(flag_passed_with_address(elf.view, kDef, kDef + 8), std::vector<std::int64_t>{0});
    EXPECT_TRUE(flag_passed_with_address(elf.view, kDef + 8, kDef + 16).empty());
    // Windows x64 (win_amd64): lea def(%rip), %rdx; mov $1, %r8d; call make_module.
    auto win = bytes({0x48, 0x8D, 0x15});
    put32(win, rel(kText + 7, kDef));
    win.insert(win.end(), {std::byte{0x41}, std::byte{0xB8}, std::byte{1}, std::byte{0},
                           std::byte{0}, std::byte{0}, std::byte{0xE8}});
    put32(win, 0);
    Image pe(Format::pe, "x86_64", {{".text", kText, win}});
    EXPECT_EQ(flag_passed_with_address(pe.view, kDef, kDef + 8), std::vector<std::int64_t>{1});
    // arm64 (macOS): adrp x0, def; add x0, x0, #off; add x8, sp, #24; mov w1, #0; bl make_module.
    std::vector<std::byte> a64;
    put32(a64, adrp(0, kText, kDef + 0x870));
    put32(a64, 0x91000000u | 0x870u << 10);
    put32(a64, 0x910063E8);
    put32(a64, 0x52800001);
    put32(a64, 0x94000010);
    Image macho(Format::macho, "arm64", {{"__text", kText, a64}});
    EXPECT_EQ(flag_passed_with_address(macho.view, kDef + 0x870, kDef + 0x878),
              std::vector<std::int64_t>{0});
}

TEST(CallArgs, MachOArm64ImmediateInW1) {
    auto call = [](std::uint32_t before) {
        std::vector<std::byte> text;
        put32(text, before);
        std::int64_t imm = (static_cast<std::int64_t>(kStub) - static_cast<std::int64_t>(kText + 4)) / 4;
        put32(text, 0x94000000u | (static_cast<std::uint32_t>(imm) & 0x3FFFFFF));  // BL stub
        Image img(Format::macho, "arm64", {{"__text", kText, text}});
        img.view.import_slots = {{kSetGil, kStub}};  // Mach-O: the stub's address
        return second_argument_at_calls(img.view, kSetGil);
    };
    EXPECT_EQ(call(0x52800021), std::vector<std::int64_t>{1});   // movz w1, #1
    EXPECT_EQ(call(0x2A1F03E1), std::vector<std::int64_t>{0});   // mov w1, wzr
    EXPECT_EQ(call(0x2A0003E1), std::vector<std::int64_t>{-1});  // mov w1, w0
}

TEST(CallArgs, StoresIntoARange) {
    std::vector<std::byte> text = bytes({0xC7, 0x05});  // movl $4, 0x5000(%rip)
    put32(text, rel(kText + 10, 0x5000));
    put32(text, 4);
    text.insert(text.end(), {std::byte{0x48}, std::byte{0xC7}, std::byte{0x05}});  // movq $1
    put32(text, rel(kText + 21, 0x5008));
    put32(text, 1);
    text.insert(text.end(), {std::byte{0x89}, std::byte{0x35}});  // mov %esi, 0x5010(%rip)
    put32(text, rel(kText + 27, 0x5010));
    for (int i = 0; i < 16; ++i) text.push_back(std::byte{0x90});
    Image elf(Format::elf, "x86_64", {{".text", kText, text}});
    std::map<std::uint64_t, std::int64_t> seen;
    for (auto [off, value] : stores_into(elf.view, 0x5000, 0x100)) seen[off] = value;
    EXPECT_EQ(seen, (std::map<std::uint64_t, std::int64_t>{{0, 4}, {8, 1}, {16, -1}}));
    EXPECT_TRUE(stores_into(elf.view, 0x6000, 0x100).empty());
    elf.view.format = Format::macho;  // x86-64 Mach-O: the same RIP-relative stores
    std::map<std::uint64_t, std::int64_t> macho;
    for (auto [off, value] : stores_into(elf.view, 0x5000, 0x100)) macho[off] = value;
    EXPECT_EQ(macho, seen);
    elf.view.arch = "arm64";  // arm64 stores are not decoded
    EXPECT_TRUE(stores_into(elf.view, 0x5000, 0x100).empty());
}

}  // namespace
