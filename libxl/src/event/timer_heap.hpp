// TimerHeap: an indexed 4-ary min-heap of EvTime, ordered by (deadline, seq).
//
// Entries cache the deadline next to the pointer so sifting touches only the
// heap array: 16 bytes an entry, so a node's four children share one cache
// line. The arming sequence number, which orders equal deadlines FIFO, is
// read from the timer itself, only on a tie. Each EvTime records its index,
// so removal of any timer is O(log n). The array grows geometrically and
// never shrinks, so once a ctx has seen its peak number of timers,
// arm/cancel/fire allocate nothing.
#pragma once

#include <cassert>
#include <cstdint>
#include <vector>

#include "event/ev_time.hpp"

namespace xlkit::detail {

class TimerHeap {
public:
    bool empty() const noexcept { return v_.empty(); }
    std::size_t size() const noexcept { return v_.size(); }
    Nanos next_deadline() const noexcept { return v_.empty() ? kNever : v_[0].deadline; }
    EvTime *top() const noexcept { return v_[0].t; }
    std::uint64_t top_seq() const noexcept { return v_[0].t->seq_; }
    void reserve(std::size_t n) { v_.reserve(n); }

    void push(EvTime *t) {
        v_.push_back(Entry{t->deadline_, t});
        sift_up(static_cast<std::uint32_t>(v_.size() - 1), v_.back());
    }

    void remove(EvTime *t) noexcept {
        std::uint32_t i = t->heap_index_;
        assert(i < v_.size() && v_[i].t == t);
        t->heap_index_ = EvTime::kIdle;
        Entry last = v_.back();
        v_.pop_back();
        if (i == v_.size()) return;  // it was the last one
        if (i > 0 && less(last, v_[parent(i)]))
            sift_up(i, last);
        else
            sift_down(i, last);
    }

    void pop() noexcept { remove(v_[0].t); }

private:
    struct Entry {
        Nanos deadline;
        EvTime *t;
    };
    static_assert(sizeof(Entry) == 16);
    static constexpr std::uint32_t kD = 4;
    static std::uint32_t parent(std::uint32_t i) noexcept { return (i - 1) / kD; }
    static bool less(const Entry &a, const Entry &b) noexcept {
        return a.deadline < b.deadline || (a.deadline == b.deadline && a.t->seq_ < b.t->seq_);
    }
    void place(std::uint32_t i, const Entry &e) noexcept {
        v_[i] = e;
        e.t->heap_index_ = i;
    }
    void sift_up(std::uint32_t i, Entry e) noexcept {
        while (i > 0) {
            std::uint32_t p = parent(i);
            if (!less(e, v_[p])) break;
            place(i, v_[p]);
            i = p;
        }
        place(i, e);
    }
    void sift_down(std::uint32_t i, Entry e) noexcept {
        const std::uint32_t n = static_cast<std::uint32_t>(v_.size());
        for (;;) {
            std::uint32_t c = i * kD + 1;
            if (c >= n) break;
            std::uint32_t end = c + kD < n ? c + kD : n;
            std::uint32_t best = c;
            for (std::uint32_t k = c + 1; k < end; ++k)
                if (less(v_[k], v_[best])) best = k;
            if (!less(v_[best], e)) break;
            place(i, v_[best]);
            i = best;
        }
        place(i, e);
    }

    std::vector<Entry> v_;
};

} // namespace xlkit::detail
