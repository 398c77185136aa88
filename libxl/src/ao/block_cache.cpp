// BlockCache: the out-of-line paths (allocation, freeing, thread exit).
#include "ao/block_cache.hpp"

#include <new>

#ifdef XLKIT_BLOCK_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace xlkit::detail::block_cache {

constinit thread_local Cache t_cache{};

#ifdef XLKIT_BLOCK_ASAN
void poison(void *b, std::size_t size) noexcept {
    ASAN_POISON_MEMORY_REGION(static_cast<char *>(b) + sizeof(FreeBlock), size - sizeof(FreeBlock));
}
void unpoison(void *b, std::size_t size) noexcept { ASAN_UNPOISON_MEMORY_REGION(b, size); }
#endif

namespace {

/* Its destructor, run at thread exit, gives the cached blocks back. */
struct ExitHook {
    ~ExitHook() {
        Cache &c = t_cache;
        c.closed = true;
        for (std::size_t k = 0; k < kClasses; ++k) {
            while (FreeBlock *b = c.head[k]) {
                unpoison(b, (k + 1) * kGrain);
                c.head[k] = b->next;
                ::operator delete(static_cast<void *>(b));
            }
        }
        c.bytes = 0;
    }
};

void arm_exit_hook() noexcept {
    thread_local ExitHook hook;
    (void)hook;
    t_cache.exit_hook_armed = true;
}

} // namespace

void *get_slow(std::size_t size, std::uint8_t *cls) noexcept {
    std::size_t k = (size - 1) / kGrain;
    if (k >= kClasses) {
        *cls = kUncached;
        return ::operator new(size, std::nothrow);
    }
    *cls = static_cast<std::uint8_t>(k);
    return ::operator new((k + 1) * kGrain, std::nothrow);
}

void put_slow(void *p, std::uint8_t cls) noexcept {
    Cache &c = t_cache;
    std::size_t size = (std::size_t(cls) + 1) * kGrain;
    if (cls == kUncached || c.closed || c.bytes + size > kCacheBytes) {
        ::operator delete(p);
        return;
    }
    // The first block this thread caches: make sure it is given back.
    if (!c.exit_hook_armed) arm_exit_hook();
    auto *b = static_cast<FreeBlock *>(p);
    b->next = c.head[cls];
    c.head[cls] = b;
    c.bytes += size;
    poison(b, size);
}

} // namespace xlkit::detail::block_cache
