// The binaries that hold keys are built hardened (issue [2/6] item 14): position-independent, the
// relocation table read-only and resolved at start (full RELRO: PT_GNU_RELRO with BIND_NOW), the
// stack protector in, and, where the build optimizes, _FORTIFY_SOURCE's checked calls. Read from
// the ELF files themselves, so a flag dropped from CMakeLists.txt fails here.
#include <elf.h>

#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "subprocess.h"

using namespace keel::test;

namespace {

struct ElfFacts {
  bool pie = false;
  bool relro = false;
  bool bind_now = false;
  std::vector<std::string> imported;  // dynamic symbols the binary takes from libraries
};

ElfFacts ReadElf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ElfFacts facts;
  REQUIRE_MESSAGE(bytes.size() > sizeof(Elf64_Ehdr), path, ": not readable");
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(bytes.data());
  REQUIRE_MESSAGE(std::memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0, path, ": not ELF");
  REQUIRE_MESSAGE(eh->e_ident[EI_CLASS] == ELFCLASS64, path, ": not ELF64");
  facts.pie = eh->e_type == ET_DYN;
  const auto* ph = reinterpret_cast<const Elf64_Phdr*>(bytes.data() + eh->e_phoff);
  for (int i = 0; i < eh->e_phnum; ++i) facts.relro = facts.relro || ph[i].p_type == PT_GNU_RELRO;

  const auto* sh = reinterpret_cast<const Elf64_Shdr*>(bytes.data() + eh->e_shoff);
  for (int i = 0; i < eh->e_shnum; ++i) {
    if (sh[i].sh_type == SHT_DYNAMIC) {
      const auto* dyn = reinterpret_cast<const Elf64_Dyn*>(bytes.data() + sh[i].sh_offset);
      for (std::size_t k = 0; k < sh[i].sh_size / sizeof(Elf64_Dyn); ++k) {
        if (dyn[k].d_tag == DT_BIND_NOW) facts.bind_now = true;
        if (dyn[k].d_tag == DT_FLAGS && (dyn[k].d_un.d_val & DF_BIND_NOW)) facts.bind_now = true;
        if (dyn[k].d_tag == DT_FLAGS_1 && (dyn[k].d_un.d_val & DF_1_NOW)) facts.bind_now = true;
      }
    }
    if (sh[i].sh_type == SHT_DYNSYM) {
      const auto& strtab = sh[sh[i].sh_link];
      const auto* sym = reinterpret_cast<const Elf64_Sym*>(bytes.data() + sh[i].sh_offset);
      for (std::size_t k = 0; k < sh[i].sh_size / sizeof(Elf64_Sym); ++k)
        if (sym[k].st_shndx == SHN_UNDEF && sym[k].st_name != 0)
          facts.imported.emplace_back(bytes.data() + strtab.sh_offset + sym[k].st_name);
    }
  }
  return facts;
}

bool Imports(const ElfFacts& f, const std::string& prefix, const std::string& suffix) {
  for (const auto& s : f.imported)
    if (s.rfind(prefix, 0) == 0 && s.size() >= prefix.size() + suffix.size() &&
        s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0)
      return true;
  return false;
}

}  // namespace

TEST_CASE("every keel binary is PIE with full RELRO and the stack protector") {
  const char* binaries[] = {"keel-traderd", "keel-ctl", "keel-close-position", "keel-scan-orphans", "keel-reconcile",
                            "keel-cancel-ghosts", "keel-state-inspect", "keel-exchange-sim"};
  for (const std::string name : binaries) {
    const ElfFacts f = ReadElf(bin(name));
    CHECK_MESSAGE(f.pie, name, ": not position-independent");
    CHECK_MESSAGE(f.relro, name, ": no PT_GNU_RELRO");
    CHECK_MESSAGE(f.bind_now, name, ": not BIND_NOW (partial RELRO only)");
    CHECK_MESSAGE(Imports(f, "__stack_chk_fail", ""), name, ": no stack protector");
#if defined(_FORTIFY_SOURCE) && _FORTIFY_SOURCE >= 2
    // This test is compiled with the same flags: where it has _FORTIFY_SOURCE, so do the binaries.
    CHECK_MESSAGE(Imports(f, "__", "_chk"), name, ": no _FORTIFY_SOURCE checked call");
#endif
  }
}
