// Finding module slot arrays (slots.cpp) in data laid out in the test: the module's PyModuleDef,
// zero-initialised arrays, unreferenced arrays and 3.15's PySlot layout.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "audit/module_audit.hpp"

namespace {

using ftkit::audit::find_slot_arrays;
using ftkit::binfmt::BinaryView;

constexpr std::uint64_t kData = 0x1000, kName = 0x2000, kExecFn = 0x3000, kBss = 0x4000;

// .data at kData (0x200 bytes), .rodata at kName holding "mod", .bss at kBss (no file bytes).
struct Data {
    std::vector<std::byte> storage = std::vector<std::byte>(0x200 + 16);
    BinaryView view;

    Data() {
        std::memcpy(storage.data() + 0x200, "pkg.mod\0", 8);
        view.sections = {{".data", kData, 0x200, 0, 0x200, false},
                         {".rodata", kName, 16, 0x200, 16, false},
                         {".bss", kBss, 0x100, 0, 0, false}};
        view.bytes = storage;
    }
    Data(const Data&) = delete;  // view.bytes points into storage

    void put(std::uint64_t addr, std::uint64_t value, int size) {
        for (int i = 0; i < size; ++i)
            storage[addr - kData + i] = static_cast<std::byte>(value >> (8 * i));
    }
    void pointer(std::uint64_t where, std::uint64_t target) {
        view.pointers.emplace_back(where, target);
        view.finish();
    }
    // {id, value} entries at addr, followed by the {0, 0} end; Py_mod_exec's value relocated.
    void slots(std::uint64_t addr, std::vector<std::pair<std::uint32_t, std::uint64_t>> entries,
               bool pyslot = false) {
        for (const auto& [id, value] : entries) {
            put(addr, pyslot ? (id | 1u << 16) : id, 4);  // PySlot: uint16 id, uint16 flags
            if (id == 2 || id == 85)
                pointer(addr + 8, kExecFn);
            else
                put(addr + 8, value, 8);
            addr += 16;
        }
    }
    // A PyModuleDef at kData whose m_name is "pkg.mod" and m_slots is `slots`.
    void module_def(std::uint64_t slots_addr) {
        pointer(kData + 40, kName);
        pointer(kData + 40 + 32, slots_addr);
    }
};

TEST(Slots, TheModuleDefsArrayIsFoundByName) {
    Data d;
    d.slots(0x1080, {{2, 0}, {3, 1}, {4, 1}});
    d.module_def(0x1080);
    auto arrays = find_slot_arrays(d.view, "mod");
    ASSERT_EQ(arrays.size(), 1u);
    EXPECT_TRUE(arrays[0].from_module_def && arrays[0].referenced);
    EXPECT_FALSE(arrays[0].zero_initialised || arrays[0].pyslot);
    EXPECT_EQ(arrays[0].address, 0x1080u);
    ASSERT_EQ(arrays[0].entries.size(), 3u);
    EXPECT_TRUE(arrays[0].entries[0].value_is_pointer);
    EXPECT_EQ(arrays[0].entries[2].id, 4u);
    EXPECT_EQ(arrays[0].entries[2].value, 1u);
    // Another module's name: found only as a referenced array with code, not as the module def.
    auto other = find_slot_arrays(d.view, "other");
    ASSERT_EQ(other.size(), 1u);
    EXPECT_FALSE(other[0].from_module_def);
}

TEST(Slots, AnEmptyModuleDefArrayIsKeptAndMayBeFilledAtRunTime) {
    Data empty;
    empty.module_def(0x1080);  // {0, 0} in file bytes: MSVC's .data padding (highspy win_amd64)
    auto arrays = find_slot_arrays(empty.view, "mod");
    ASSERT_EQ(arrays.size(), 1u);
    EXPECT_TRUE(arrays[0].entries.empty());
    EXPECT_TRUE(arrays[0].zero_initialised);

    Data bss;
    bss.module_def(kBss + 0x20);  // pybind11 3: a function-local static filled by PyInit
    arrays = find_slot_arrays(bss.view, "mod");
    ASSERT_EQ(arrays.size(), 1u);
    EXPECT_TRUE(arrays[0].zero_initialised);
}

TEST(Slots, InvalidEntriesAreNotSlotArrays) {
    Data d;
    d.slots(0x1080, {{4, 2}});  // Py_mod_gil takes only 0 or 1
    d.module_def(0x1080);
    EXPECT_TRUE(find_slot_arrays(d.view, "mod").empty());
    Data unrelocated;
    unrelocated.slots(0x1080, {{4, 1}});
    unrelocated.put(0x1090, 2, 4), unrelocated.put(0x1098, 0x1234, 8);  // exec value not relocated
    EXPECT_TRUE(find_slot_arrays(unrelocated.view, "").empty());
}

TEST(Slots, UnreferencedArraysNeedACodeEntry) {
    Data with_exec;  // 3.15 PyModExport_* returns its array from code: no pointer to it in data
    with_exec.slots(0x1100, {{85, 0}, {87, 1}}, /*pyslot=*/true);
    auto arrays = find_slot_arrays(with_exec.view, "mod");
    ASSERT_EQ(arrays.size(), 1u);
    EXPECT_TRUE(arrays[0].pyslot);
    EXPECT_FALSE(arrays[0].referenced);
    EXPECT_EQ(arrays[0].address, 0x1100u);

    Data gil_only;  // {4, 1}, {0, 0} alone is as likely an int table
    gil_only.slots(0x1100, {{4, 1}});
    EXPECT_TRUE(find_slot_arrays(gil_only.view, "mod").empty());
}

TEST(Slots, ThirtyTwoBitImagesAreNotScanned) {
    Data d;
    d.slots(0x1080, {{2, 0}, {4, 1}});
    d.module_def(0x1080);
    d.view.bits = 32;
    EXPECT_TRUE(find_slot_arrays(d.view, "mod").empty());
}

}  // namespace
