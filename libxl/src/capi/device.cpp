// C API: disks and network interfaces, with libxl 4.17's names and
// signatures (libxl_device_disk_add, ..., libxl_device_nic_list_free).
#include <cstdlib>
#include <cstring>
#include <vector>

#include "capi/capi.hpp"
#include "idl/_types_internal.hpp"
#include <xlkit/device.hpp>

using xlkit::Error;
using xlkit::rc_of;

namespace {

using DiskOp = Error (*)(xlkit::Ctx &, std::uint32_t, const xlkit::DeviceDisk &, xlkit::AoHow, xlkit::ProgressHow);
using NicOp = Error (*)(xlkit::Ctx &, std::uint32_t, const xlkit::DeviceNic &, xlkit::AoHow, xlkit::ProgressHow);

int disk_op(DiskOp op, xlkit_ctx *ctx, uint32_t domid, const xlkit_device_disk *disk, const xlkit_asyncop_how *ao_how) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    xlkit::AoHow how = xlkit::capi::to_cxx(ctx, ao_how);
    xlkit::DeviceDisk d;
    if (!disk || xlkit::detail::from_c(*disk, &d) != Error::Success) return XLKIT_ERROR_INVAL;
    return rc_of(op(*ctx->cxx, domid, d, std::move(how), {}));
}

int nic_op(NicOp op, xlkit_ctx *ctx, uint32_t domid, const xlkit_device_nic *nic, const xlkit_asyncop_how *ao_how) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    xlkit::AoHow how = xlkit::capi::to_cxx(ctx, ao_how);
    xlkit::DeviceNic n;
    if (!nic || xlkit::detail::from_c(*nic, &n) != Error::Success) return XLKIT_ERROR_INVAL;
    return rc_of(op(*ctx->cxx, domid, n, std::move(how), {}));
}

// A C array of n converted elements (calloc'ed, at least one slot), or NULL.
template <class C, class Cxx, class Init, class Dispose>
C *to_c_list(const std::vector<Cxx> &v, int *num, Init init, Dispose dispose) {
    auto *out = static_cast<C *>(std::calloc(v.empty() ? 1 : v.size(), sizeof(C)));
    if (!out) return nullptr;
    for (std::size_t i = 0; i < v.size(); ++i) {
        init(&out[i]);
        if (xlkit::detail::to_c(v[i], &out[i]) != Error::Success) {
            for (std::size_t j = 0; j <= i; ++j) dispose(&out[j]);
            std::free(out);
            return nullptr;
        }
    }
    *num = int(v.size());
    return out;
}

} // namespace

extern "C" {

int xlkit_device_disk_add(xlkit_ctx *ctx, uint32_t domid, xlkit_device_disk *disk, const xlkit_asyncop_how *ao_how) {
    return disk_op(xlkit::device_disk_add, ctx, domid, disk, ao_how);
}
int xlkit_device_disk_remove(xlkit_ctx *ctx, uint32_t domid, xlkit_device_disk *disk,
                             const xlkit_asyncop_how *ao_how) {
    return disk_op(xlkit::device_disk_remove, ctx, domid, disk, ao_how);
}
int xlkit_device_disk_destroy(xlkit_ctx *ctx, uint32_t domid, xlkit_device_disk *disk,
                              const xlkit_asyncop_how *ao_how) {
    return disk_op(xlkit::device_disk_destroy, ctx, domid, disk, ao_how);
}

int xlkit_device_nic_add(xlkit_ctx *ctx, uint32_t domid, xlkit_device_nic *nic, const xlkit_asyncop_how *ao_how) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    xlkit::AoHow how = xlkit::capi::to_cxx(ctx, ao_how);
    xlkit::DeviceNic n;
    if (!nic || xlkit::detail::from_c(*nic, &n) != Error::Success) return XLKIT_ERROR_INVAL;
    Error rc = xlkit::device_nic_add(*ctx->cxx, domid, &n, std::move(how), {});
    // As libxl: the caller's nic gets the devid and mac chosen for it.
    nic->devid = n.devid;
    std::memcpy(nic->mac, n.mac.bytes.data(), sizeof nic->mac);
    return rc_of(rc);
}
int xlkit_device_nic_remove(xlkit_ctx *ctx, uint32_t domid, xlkit_device_nic *nic, const xlkit_asyncop_how *ao_how) {
    return nic_op(xlkit::device_nic_remove, ctx, domid, nic, ao_how);
}
int xlkit_device_nic_destroy(xlkit_ctx *ctx, uint32_t domid, xlkit_device_nic *nic,
                             const xlkit_asyncop_how *ao_how) {
    return nic_op(xlkit::device_nic_destroy, ctx, domid, nic, ao_how);
}

xlkit_device_disk *xlkit_device_disk_list(xlkit_ctx *ctx, uint32_t domid, int *num) {
    if (num) *num = 0;
    if (!ctx || !ctx->cxx || !num) return nullptr;
    std::vector<xlkit::DeviceDisk> v;
    if (xlkit::device_disk_list(*ctx->cxx, domid, &v) != Error::Success) return nullptr;
    return to_c_list<xlkit_device_disk>(v, num, xlkit_device_disk_init, xlkit_device_disk_dispose);
}
void xlkit_device_disk_list_free(xlkit_device_disk *list, int num) {
    if (!list) return;
    for (int i = 0; i < num; ++i) xlkit_device_disk_dispose(&list[i]);
    std::free(list);
}

xlkit_device_nic *xlkit_device_nic_list(xlkit_ctx *ctx, uint32_t domid, int *num) {
    if (num) *num = 0;
    if (!ctx || !ctx->cxx || !num) return nullptr;
    std::vector<xlkit::DeviceNic> v;
    if (xlkit::device_nic_list(*ctx->cxx, domid, &v) != Error::Success) return nullptr;
    return to_c_list<xlkit_device_nic>(v, num, xlkit_device_nic_init, xlkit_device_nic_dispose);
}
void xlkit_device_nic_list_free(xlkit_device_nic *list, int num) {
    if (!list) return;
    for (int i = 0; i < num; ++i) xlkit_device_nic_dispose(&list[i]);
    std::free(list);
}

int xlkit_device_disk_getinfo(xlkit_ctx *ctx, uint32_t domid, const xlkit_device_disk *disk,
                              xlkit_diskinfo *diskinfo) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    xlkit::DeviceDisk d;
    if (!disk || !diskinfo || xlkit::detail::from_c(*disk, &d) != Error::Success) return XLKIT_ERROR_INVAL;
    xlkit::Diskinfo i;
    Error rc = xlkit::device_disk_getinfo(*ctx->cxx, domid, d, &i);
    if (rc != Error::Success) return rc_of(rc);
    return rc_of(xlkit::detail::to_c(i, diskinfo));
}

int xlkit_device_nic_getinfo(xlkit_ctx *ctx, uint32_t domid, const xlkit_device_nic *nic, xlkit_nicinfo *nicinfo) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    xlkit::DeviceNic n;
    if (!nic || !nicinfo || xlkit::detail::from_c(*nic, &n) != Error::Success) return XLKIT_ERROR_INVAL;
    xlkit::Nicinfo i;
    Error rc = xlkit::device_nic_getinfo(*ctx->cxx, domid, n, &i);
    if (rc != Error::Success) return rc_of(rc);
    return rc_of(xlkit::detail::to_c(i, nicinfo));
}

} // extern "C"
