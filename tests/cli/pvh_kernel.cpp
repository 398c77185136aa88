// A kernel file the sim host takes for a PVH guest (an ELF with a PVH entry
// point), for the CLI tests; apart from cli_test.cpp, whose xlkit() runner
// would clash with the namespace tiny_elf.hpp opens.
#include <string>

#include "support/tiny_elf.hpp"

namespace clitest {

bool write_pvh_kernel(const std::string &path) {
    return xlkit::testing::write_tiny_elf(path, 16 << 20, 40 << 20, true);
}

} // namespace clitest
