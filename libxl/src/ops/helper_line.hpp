// HelperLine: one line of the save helper's replies (tools/save-helper,
// "progress 3072 24576", "log 5 TEXT", "done 0 0", ...) taken apart field by
// field. Fields are separated by blanks (space, tab, newline: a line of
// /proc/PID/io too); numbers are read with
// std::from_chars: no locale (an embedder's global C++ locale changes
// nothing), no allocation, no stream.
//
// A number that is absent leaves its variable as it was (a field an older
// helper does not send keeps its default); one that is not a number of that
// type, or out of its range, fails, and so does every number read after it
// (as an istream's failbit), also leaving them as they were.
// Layer 4.
#pragma once

#include <charconv>
#include <string_view>
#include <system_error>

namespace xlkit::detail {

class HelperLine {
public:
    explicit HelperLine(std::string_view line) : rest_(line) {}

    /* The next field ("" when none is left). */
    std::string_view word() {
        skip_blanks();
        std::size_t n = 0;
        while (n < rest_.size() && !blank(rest_[n])) ++n;
        std::string_view w = rest_.substr(0, n);
        rest_.remove_prefix(n);
        return w;
    }

    /* The next field as a number of T: true if it was one. */
    template <class T>
    bool num(T *out) {
        if (failed_) return false;
        std::string_view w = word();
        if (w.empty()) return failed_ = true, false;
        T v{};
        auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
        if (ec != std::errc() || end != w.data() + w.size()) return failed_ = true, false;
        *out = v;
        return true;
    }

    /* What is left of the line, without the one separator before it. */
    std::string_view rest() {
        std::string_view r = rest_;
        if (!r.empty() && blank(r.front())) r.remove_prefix(1);
        rest_ = {};
        return r;
    }

private:
    static bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
    void skip_blanks() {
        while (!rest_.empty() && blank(rest_.front())) rest_.remove_prefix(1);
    }

    std::string_view rest_;
    bool failed_ = false;
};

} // namespace xlkit::detail
