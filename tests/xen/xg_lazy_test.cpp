// libxenguest on first use (xen/xg_lazy.h): every function the library
// calls resolves from the soname configure found, once.
#include <gtest/gtest.h>

#include <string>

extern "C" int xg_lazy_probe(const char **why, int *unresolved, const void **table);
// The same loader for a soname no host has, and for one that is not libxenguest.
extern "C" const void *xg_lazy_get_absent(const char **why);
extern "C" const void *xg_lazy_get_foreign(const char **why);

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

TEST(XgLazy, ALibxenguestThatCannotBeLoadedIsNamedWithTheLoadersReason) {
    const char *why = nullptr;
    EXPECT_EQ(xg_lazy_get_absent(&why), nullptr);
    ASSERT_NE(why, nullptr);
    const std::string w = why;
    EXPECT_NE(w.find("libxenguest (libxlkit-no-such-xenguest.so.0) cannot be loaded: "), std::string::npos) << w;
    EXPECT_NE(w.find("No such file"), std::string::npos) << "dlerror()'s reason is kept: " << w;
    const char *again = nullptr;
    EXPECT_EQ(xg_lazy_get_absent(&again), nullptr) << "a failure is final";
    EXPECT_STREQ(again, why);
}

TEST(XgLazy, ALibraryWithoutLibxenguestsFunctionsIsRefusedNamingTheFirstMissing) {
    const char *why = nullptr;
    EXPECT_EQ(xg_lazy_get_foreign(&why), nullptr);
    ASSERT_NE(why, nullptr);
    EXPECT_STREQ(why, "libxentoollog.so.1 has no xc_cpuid_apply_policy: it is not the libxenguest xlkit was built with");
}

} // namespace
