// Test helper: builds small ELF64 extension modules byte by byte (both byte orders), for the
// binfmt reader tests and the audit tests that judge them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace ftkit::testing {

// Writes a minimal ELF64 shared object: .dynstr, .dynsym, .data holding a PyModuleDef and its
// slot array, .rela.dyn relocating the pointers, .rodata with the module name.
class ElfBuilder {
public:
    ElfBuilder(bool big_endian, std::uint16_t machine, std::uint32_t relative)
        : be_(big_endian), machine_(machine), relative_(relative) {}

    std::vector<std::byte> build(const std::vector<std::pair<std::uint32_t, std::uint64_t>>& slots,
                                 bool exec_reloc = true) {
        // .data at 0x1000: PyModuleDef (m_name at +40, m_slots at +72), slot array at +0x80.
        std::vector<std::byte> data(0x80 + 16 * (slots.size() + 1));
        std::vector<std::tuple<std::uint64_t, std::uint64_t>> relocs = {{0x1028, 0x2000},
                                                                        {0x1048, 0x1080}};
        for (std::size_t i = 0; i < slots.size(); ++i) {
            put32(data, 0x80 + 16 * i, slots[i].first);
            if ((slots[i].first == 2 || slots[i].first == 85) && exec_reloc)
                relocs.emplace_back(0x1080 + 16 * i + 8, 0x3000);
            else
                put64(data, 0x80 + 16 * i + 8, slots[i].second);
        }
        std::string dynstr("\0PyInit_mod\0PyModuleDef_Init\0_Py_DecRefShared\0", 46);
        std::vector<std::byte> dynsym(24 * 4);
        sym(dynsym, 1, 1, 4, 0x1000, true);
        sym(dynsym, 2, 12, 0, 0, true);
        sym(dynsym, 3, 29, 0, 0, true);
        std::vector<std::byte> rela(24 * relocs.size());
        for (std::size_t i = 0; i < relocs.size(); ++i) {
            put64(rela, 24 * i, std::get<0>(relocs[i]));
            put64(rela, 24 * i + 8, relative_);
            put64(rela, 24 * i + 16, std::get<1>(relocs[i]));
        }
        std::string rodata("mod\0", 4);
        std::string shstr("\0.shstrtab\0.dynstr\0.dynsym\0.data\0.rela.dyn\0.rodata\0", 51);

        std::vector<std::byte> file(64);
        struct Sec {
            std::uint32_t name, type;
            std::uint64_t flags, addr, off, size;
            std::uint32_t link;
            std::uint64_t entsize;
        };
        std::vector<Sec> secs{{0, 0, 0, 0, 0, 0, 0, 0}};
        auto add = [&](std::uint32_t name, std::uint32_t type, std::uint64_t flags,
                       std::uint64_t addr, const std::vector<std::byte>& bytes, std::uint32_t link,
                       std::uint64_t entsize) {
            while (file.size() % 16) file.push_back(std::byte{0});
            secs.push_back({name, type, flags, addr, file.size(), bytes.size(), link, entsize});
            file.insert(file.end(), bytes.begin(), bytes.end());
        };
        add(1, 3, 0, 0, bytes_of(shstr), 0, 0);
        add(11, 3, 2, 0x500, bytes_of(dynstr), 0, 0);
        add(19, 11, 2, 0x600, dynsym, 2, 24);
        add(27, 1, 3, 0x1000, data, 0, 0);
        add(33, 4, 2, 0x700, rela, 3, 24);
        add(43, 1, 2, 0x2000, bytes_of(rodata), 0, 0);
        while (file.size() % 8) file.push_back(std::byte{0});
        std::uint64_t shoff = file.size();
        for (const auto& s : secs) {
            std::vector<std::byte> h(64);
            put32(h, 0, s.name);
            put32(h, 4, s.type);
            put64(h, 8, s.flags);
            put64(h, 16, s.addr);
            put64(h, 24, s.off);
            put64(h, 32, s.size);
            put32(h, 40, s.link);
            put64(h, 56, s.entsize);
            file.insert(file.end(), h.begin(), h.end());
        }
        const unsigned char ident[] = {
            0x7f, 'E', 'L', 'F', 2, static_cast<unsigned char>(be_ ? 2 : 1), 1};
        for (std::size_t i = 0; i < sizeof ident; ++i) file[i] = std::byte{ident[i]};
        put16(file, 16, 3);
        put16(file, 18, machine_);
        put32(file, 20, 1);
        put64(file, 0x28, shoff);
        put16(file, 0x34, 64);
        put16(file, 0x3a, 64);
        put16(file, 0x3c, static_cast<std::uint16_t>(secs.size()));
        put16(file, 0x3e, 1);
        return file;
    }

private:
    static std::vector<std::byte> bytes_of(const std::string& s) {
        std::vector<std::byte> out;
        for (char c : s) out.push_back(static_cast<std::byte>(c));
        return out;
    }
    void put(std::vector<std::byte>& v, std::size_t at, std::uint64_t x, int n) {
        for (int i = 0; i < n; ++i)
            v[at + (be_ ? n - 1 - i : i)] = std::byte((x >> (8 * i)) & 0xff);
    }
    void put16(std::vector<std::byte>& v, std::size_t at, std::uint64_t x) { put(v, at, x, 2); }
    void put32(std::vector<std::byte>& v, std::size_t at, std::uint64_t x) { put(v, at, x, 4); }
    void put64(std::vector<std::byte>& v, std::size_t at, std::uint64_t x) { put(v, at, x, 8); }
    void sym(std::vector<std::byte>& v, int i, std::uint32_t name, std::uint16_t shndx,
             std::uint64_t value, bool global) {
        put32(v, 24 * i, name);
        v[24 * i + 4] = std::byte(global ? 0x12 : 0x02);  // STB_GLOBAL | STT_FUNC
        put16(v, 24 * i + 6, shndx);
        put64(v, 24 * i + 8, value);
    }

    bool be_;
    std::uint16_t machine_;
    std::uint32_t relative_;
};

}  // namespace ftkit::testing
