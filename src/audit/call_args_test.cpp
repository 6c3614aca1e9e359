// Call-argument and store decoding (call_args.cpp) on machine code written out in the test.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "audit/module_audit.hpp"

namespace {

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
    pe.view.arch = "arm64";  // arm64 PE is not decoded: no claim
    EXPECT_TRUE(second_argument_at_calls(pe.view, kSetGil).empty());
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
    elf.view.format = Format::macho;  // Mach-O code is not decoded for stores
    EXPECT_TRUE(stores_into(elf.view, 0x5000, 0x100).empty());
}

}  // namespace
