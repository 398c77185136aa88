// config.hpp: an xl.cfg file (plus `xl create`'s KEY=VALUE arguments) read
// with libxlutil and mapped into xlkit's DomainConfig.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <xlkit/types.hpp>

namespace xlcli {

struct XlConfig {
    xlkit::DomainConfig cfg;
    std::string source;                     // the file name as given, or "<command line>"
    std::map<std::string, std::string> at;  // key -> "guest.cfg:3" (where it was last set)
    std::vector<std::string> warnings;      // e.g. root=/extra= ignored in favour of cmdline=

    /* Where key was set, for messages: "guest.cfg:3", or the source. */
    std::string where(const std::string &key) const;
};

/* The keys xlkit maps, in the order the help lists them. */
const std::vector<std::string> &supported_keys();

/* Reads file (nullptr: the KEY=VALUE arguments alone) and the extra
 * KEY=VALUE lines, appended as `xl create` does so that they override the
 * file. check_files: the kernel and ramdisk must be readable files.
 * Returns kLoadOk, or kLoadUnreadable (the file cannot be read) or
 * kLoadInvalid (it is not a config xlkit can use) with a one-line *err
 * naming the file, line and key. */
inline constexpr int kLoadOk = 0;
inline constexpr int kLoadUnreadable = 1;
inline constexpr int kLoadInvalid = 2;
int load_xl_config(const char *file, const std::vector<std::string> &extra, bool check_files, XlConfig *out,
                   std::string *err);

/* A message the library logged about a DomainConfig field ("domain config:
 * FIELD: ...") with the file and line where that key was set. Other
 * messages are returned as they are. */
std::string locate_message(const XlConfig &xc, const std::string &msg);

/* Each key assignment of a text libxlutil accepted, in order: its name and
 * line. (libxlutil has no public way to list the keys it read.) */
struct KeyUse {
    std::string key;
    int line;
};
std::vector<KeyUse> scan_keys(const std::string &data);

} // namespace xlcli
