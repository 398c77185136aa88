// Filters over the hypervisor and xenstore backends (nbdkit's filter model:
// each filter is opened on the layer beneath and calls through it).
//
//   trace                 log every call: its arguments, result and duration
//                         (at XTL_INFO)
//   fault=KIND:N:ERR      fail the Nth call (1-based) of KIND with errno ERR
//                         (a name such as EIO/EAGAIN/ENOENT, or a number)
//   fault=KIND:delay:MS   delay every call of KIND by MS milliseconds
//   fault=watch:drop:N    drop the Nth watch event
//   fault=watch:dup:N     deliver the Nth watch event twice
//
// KIND: read write mkdir rm directory perms watch unwatch txn_start txn_end
// introduce release domain_path (xenstore); getinfo pause unpause destroy
// shutdown physinfo create (hypervisor). A list is comma-separated and applied in
// order, the first one nearest the backend. Chosen at ctx creation
// (CtxOptions::filters, else the environment XLKIT_FILTERS); none by default.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "xen/hypervisor.hpp"
#include "xen/xenstore.hpp"

extern "C" {
#include <xentoollog.h>
}

namespace xlkit::detail {

struct FilterSpec {
    enum class Type { Trace, Fail, Delay, Drop, Dup } type = Type::Trace;
    std::string kind;
    unsigned n = 0;         // Fail/Drop/Dup: which call; Delay: milliseconds
    int err = 0;            // Fail: errno
};

/* 0, or -EINVAL with *why naming the bad part. */
int parse_filters(const std::string &spec, std::vector<FilterSpec> *out, std::string *why);

std::unique_ptr<Hypervisor> wrap_hypervisor(std::unique_ptr<Hypervisor> lower, const FilterSpec &f,
                                            xentoollog_logger *lg);
std::unique_ptr<Xenstore> wrap_xenstore(std::unique_ptr<Xenstore> lower, const FilterSpec &f,
                                        xentoollog_logger *lg);

} // namespace xlkit::detail
