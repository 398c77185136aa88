// libxenguest on first use (xen/xg_lazy.h): every function the library
// calls resolves from the soname configure found, once.
#include <gtest/gtest.h>

extern "C" int xg_lazy_probe(const char **why, int *unresolved, const void **table);

namespace {

TEST(XgLazy, EveryFunctionTheLibraryCallsResolvesFromTheSoname) {
    const char *why = nullptr;
    int unresolved = -1;
    const void *table = nullptr;
    ASSERT_EQ(xg_lazy_probe(&why, &unresolved, &table), 1) << why;
    EXPECT_EQ(unresolved, 0);
    const void *again = nullptr;
    ASSERT_EQ(xg_lazy_probe(&why, &unresolved, &again), 1);
    EXPECT_EQ(again, table) << "loaded once, the same table after";
}

} // namespace
