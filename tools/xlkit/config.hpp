// config.hpp: an xl.cfg file (plus `xl create`'s KEY=VALUE arguments) read
// with libxlutil and mapped into xlkit's DomainConfig.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <xlkit/types.hpp>

#include "xlcfg.h"

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
 * FIELD: ...") or about one of its devices ("disk xvda: ...", "nic 0: ...")
 * with the file and line where that key was set. Other messages are
 * returned as they are. */
std::string locate_message(const XlConfig &xc, const std::string &msg);

/* An xlcfg that frees itself. */
struct XlcfgFree {
    void operator()(xlcfg *c) const { xlcfg_free(c); }
};
using XlcfgPtr = std::unique_ptr<xlcfg, XlcfgFree>;

/* One disk in the xl-disk-configuration(5) syntax, read by libxlutil from
 * one or more pieces (a disk = [...] entry; the arguments of block-attach,
 * which xl reads as one specification). backend= (a driver domain) is
 * refused. On error returns false with a one-line *err: libxlutil's report
 * ("no vdev specified") or xlkit's. c carries libxlutil's report. */
bool parse_disk_spec(xlcfg *c, const std::vector<std::string> &pieces, xlkit::DeviceDisk *out, std::string *err);

/* One network interface in the xl-network-configuration(5) syntax: items
 * KEY=VALUE separated by commas, as in a vif = [...] entry or the arguments
 * of network-attach (each may hold several items). Fields no item sets keep
 * their value in *nic. Unknown keys, keys xlkit does not support (backend=,
 * trusted, accel=, COLO's) and bad values are errors: false, with *err
 * naming the key ("rate: ..."). *warnings gets xl's (netdev= is deprecated).
 * c carries libxlutil's report (rate= is read by xlu_vif_parse_rate). */
bool parse_nic_spec(xlcfg *c, const std::string &spec, xlkit::DeviceNic *nic, std::vector<std::string> *warnings,
                    std::string *err);

/* A MAC address as xl-network-configuration(5) writes it: six groups of
 * two (here also one) hex digits separated by colons. */
bool parse_mac_address(const std::string &s, xlkit::Mac *out);

/* The keys of parse_nic_spec, for help and completion. */
const std::vector<std::string> &nic_keys();

/* Each key assignment of a text libxlutil accepted, in order: its name and
 * line. (libxlutil has no public way to list the keys it read.) */
struct KeyUse {
    std::string key;
    int line;
};
std::vector<KeyUse> scan_keys(const std::string &data);

} // namespace xlcli
