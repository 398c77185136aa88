// BlockCache: the per-thread recycler of ao blocks (as Asio's recycling
// allocator and thread_info_base keep a few freed handler blocks per
// thread). An ao that starts and finishes on a warm thread allocates
// nothing.
//
// Contract:
//   block_get(size, &cls)  a block of at least size bytes (size > 0),
//                          aligned for std::max_align_t, or nullptr if out
//                          of memory; *cls is its size class, which the
//                          caller keeps and hands back to block_put.
//   block_put(p, cls)      p came from block_get (on any thread) with this
//                          cls; the memory is reused or freed. Never fails.
// Neither takes a lock nor needs the ctx lock: the cache is the calling
// thread's own. A block freed on another thread than the one that got it
// simply joins that other thread's cache.
//
// Why per thread, not per ctx: a block is freed with the ctx lock held (a
// synchronous return, a nested ao) or without it (callback and event
// delivery, after the unlock), so a per-ctx list would cost a lock or an
// atomic operation on the hot path; the freeing thread's own list needs
// neither.
//
// Sizes come in classes of kGrain bytes up to kClasses * kGrain (1 KiB);
// larger blocks bypass the cache (cls == kUncached). A thread keeps at most
// kCacheBytes, and gives them back to the heap when it exits (after that its
// frees go straight to the heap). Under AddressSanitizer a cached block is
// poisoned but for its link, so a use after free still shows.
//
// The fast paths are inline (they run once per ao); what allocates, frees or
// arms the thread-exit hook is out of line in block_cache.cpp.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__SANITIZE_ADDRESS__)
#define XLKIT_BLOCK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XLKIT_BLOCK_ASAN 1
#endif
#endif

namespace xlkit::detail::block_cache {

inline constexpr std::size_t kGrain = 64;
inline constexpr std::size_t kClasses = 16;  // blocks up to 1 KiB
inline constexpr std::size_t kCacheBytes = 64 * 1024;
inline constexpr std::uint8_t kUncached = 0xff;

struct FreeBlock {
    FreeBlock *next;
};

/* Trivially destructible and constant-initialized, so reaching it costs no
 * guard or TLS wrapper; the thread-exit hook (block_cache.cpp) empties it. */
struct Cache {
    FreeBlock *head[kClasses];
    std::size_t bytes;
    bool exit_hook_armed;
    bool closed;  // the thread is exiting: no more caching
};
[[gnu::visibility("hidden")]] extern constinit thread_local Cache t_cache;

// Out of line (block_cache.cpp).
void *get_slow(std::size_t size, std::uint8_t *cls) noexcept;
void put_slow(void *p, std::uint8_t cls) noexcept;
#ifdef XLKIT_BLOCK_ASAN
void poison(void *b, std::size_t size) noexcept;
void unpoison(void *b, std::size_t size) noexcept;
#else
inline void poison(void *, std::size_t) noexcept {}
inline void unpoison(void *, std::size_t) noexcept {}
#endif

} // namespace xlkit::detail::block_cache

namespace xlkit::detail {

inline void *block_get(std::size_t size, std::uint8_t *cls) noexcept {
    using namespace block_cache;
    std::size_t k = (size - 1) / kGrain;
    if (k < kClasses) {
        Cache &c = t_cache;
        if (FreeBlock *b = c.head[k]) {
            c.head[k] = b->next;
            c.bytes -= (k + 1) * kGrain;
            unpoison(b, (k + 1) * kGrain);
            *cls = static_cast<std::uint8_t>(k);
            return b;
        }
    }
    return get_slow(size, cls);
}

inline void block_put(void *p, std::uint8_t cls) noexcept {
    using namespace block_cache;
    Cache &c = t_cache;
    std::size_t size = (std::size_t(cls) + 1) * kGrain;
    if (cls != kUncached && c.exit_hook_armed && !c.closed && c.bytes + size <= kCacheBytes) {
        auto *b = static_cast<FreeBlock *>(p);
        b->next = c.head[cls];
        c.head[cls] = b;
        c.bytes += size;
        poison(b, size);
        return;
    }
    put_slow(p, cls);
}

} // namespace xlkit::detail
