// device_{disk,nic}_{add,remove,destroy}: one device as one operation. Each
// is the generic sub-operation (ops/device.hpp has both state machines)
// behind a kind's prepare or locate step:
//
//   Start --no Xen / no such domain / domain shutting down / bad spec /
//          device exists (add) / no such device (remove)--> create_fail
//   Start --> DevAdd | DevRemove running; its callback --> complete(rc),
//             after a successful one has updated the domain's stored
//             configuration (ops/userdata.hpp) as libxl does, so that a
//             save carries a hot-plugged device and forgets a removed one
//             (a store that fails is logged; the device is attached or
//             removed all the same)
#include <cstring>
#include <optional>

#include "event/log.hpp"
#include "ops/device_kinds.hpp"
#include "ops/op_util.hpp"
#include "ops/userdata.hpp"
#include <xlkit/device.hpp>
#include <xlkit/evgen.hpp>

namespace xlkit {

using namespace detail;

namespace {

struct AddState {
    Ao *ao = nullptr;
    Progress progress;
    DevAdd add;
    Uuid uuid;
    std::optional<DeviceDisk> disk;  // what was added, as completed by its
    std::optional<DeviceNic> nic;    // prepare step (a nic's devid and mac)
};

struct RemoveState {
    Ao *ao = nullptr;
    Progress progress;
    DevRemove rm;
    Uuid uuid;
};

// The stored configuration follows the device (nothing if none is stored:
// a domain made by a toolstack that keeps none).
void update_stored(Egc &egc, const DevAddr &addr, const Uuid &uuid, const DeviceDisk *disk, const DeviceNic *nic) {
    XenStacks s;
    if (xen_stacks(egc, &s, XsNeed::None) != Error::Success) return;
    std::string why;
    Error rc = userdata_update_device(*s.x, addr.domid, uuid, addr.kind == DevKind::Vbd ? "disks" : "nics", addr.devid,
                                      disk, nic, &why);
    if (rc != Error::Success && rc != Error::Notfound)
        XLKIT_LOG(egc.ctx, WARN, "domain %u's stored configuration was not updated: %s", addr.domid, why.c_str());
}

void added(Egc &egc, DevAdd *a, Error rc) {
    AddState &st = *static_cast<AddState *>(a->data);
    if (rc == Error::Success)
        update_stored(egc, a->addr, st.uuid, st.disk ? &*st.disk : nullptr, st.nic ? &*st.nic : nullptr);
    st.ao->complete(egc, rc);
}

void removed(Egc &egc, DevRemove *r, Error rc) {
    RemoveState &st = *static_cast<RemoveState *>(r->data);
    if (rc == Error::Success) update_stored(egc, r->addr, st.uuid, nullptr, nullptr);
    st.ao->complete(egc, rc);
}


// The domain must exist and not be on its way out.
Error live_domain(Egc &egc, XenStacks &s, std::uint32_t domid, DomInfo *d) {
    Error rc = query_domain(egc, *s.hv, domid, d);
    if (rc == Error::DomainNotfound) XLKIT_LOG(egc.ctx, ERROR, "domain %u does not exist", domid);
    if (rc != Error::Success) return rc;
    if (d->dying || d->shutdown) {
        XLKIT_LOG(egc.ctx, ERROR, "domain %u is shutting down or dying", domid);
        return Error::Inval;
    }
    return Error::Success;
}

template <class Prepare>
Error add_start(Egc &egc, AddState &st, std::uint32_t domid, Prepare &&prepare) {
    XenStacks s;
    Error rc = xen_stacks(egc, &s);
    if (rc != Error::Success) return rc;
    DomInfo d;
    if ((rc = live_domain(egc, s, domid, &d)) != Error::Success) return rc;
    if ((rc = prepare(egc, s, &st.add)) != Error::Success) return rc;
    std::memcpy(st.uuid.bytes.data(), d.uuid, 16);
    DevAdd &a = st.add;
    a.ao = st.ao;
    a.progress = &st.progress;
    a.wait_connected = !d.paused;  // a paused guest cannot connect yet
    a.data = &st;
    a.callback = added;
    return dev_add_start(egc, a);
}

template <class Locate>
Error remove_start(Egc &egc, RemoveState &st, std::uint32_t domid, bool force, Locate &&locate) {
    XenStacks s;
    Error rc = xen_stacks(egc, &s);
    if (rc != Error::Success) return rc;
    DomInfo d;
    if ((rc = query_domain(egc, *s.hv, domid, &d)) != Error::Success) {
        if (rc == Error::DomainNotfound) XLKIT_LOG(egc.ctx, ERROR, "domain %u does not exist", domid);
        return rc;
    }
    DevRemove &r = st.rm;
    if ((rc = locate(egc, s, &r.addr, &r.label)) != Error::Success) return rc;
    std::memcpy(st.uuid.bytes.data(), d.uuid, 16);
    r.ao = st.ao;
    r.progress = &st.progress;
    r.force = force;
    r.data = &st;
    r.callback = removed;
    return dev_remove_start(egc, r);
}

Error disk_add(Ctx &ctx, std::uint32_t domid, const DeviceDisk &disk, AoHow how, ProgressHow ph) {
    return ao_start<AddState>(ctx, std::move(how), &AddState::progress, std::move(ph), [&](Egc &egc, AddState &st) {
        st.disk = disk;
        return add_start(egc, st, domid, [&](Egc &g, XenStacks &s, DevAdd *a) { return disk_prepare(g, s, domid, disk, a); });
    });
}

Error disk_remove(Ctx &ctx, std::uint32_t domid, const DeviceDisk &disk, bool force, AoHow how, ProgressHow ph) {
    return ao_start<RemoveState>(ctx, std::move(how), &RemoveState::progress, std::move(ph),
                                 [&](Egc &egc, RemoveState &st) {
                                     return remove_start(egc, st, domid, force,
                                                         [&](Egc &g, XenStacks &s, DevAddr *a, std::string *l) {
                                                             return disk_locate(g, s, domid, disk, a, l);
                                                         });
                                 });
}

Error nic_remove(Ctx &ctx, std::uint32_t domid, const DeviceNic &nic, bool force, AoHow how, ProgressHow ph) {
    return ao_start<RemoveState>(ctx, std::move(how), &RemoveState::progress, std::move(ph),
                                 [&](Egc &egc, RemoveState &st) {
                                     return remove_start(egc, st, domid, force,
                                                         [&](Egc &g, XenStacks &s, DevAddr *a, std::string *l) {
                                                             return nic_locate(g, s, domid, nic, a, l);
                                                         });
                                 });
}

} // namespace

Error device_disk_add(Ctx &ctx, std::uint32_t domid, const DeviceDisk &disk, AoHow how, ProgressHow ph) {
    return disk_add(ctx, domid, disk, std::move(how), std::move(ph));
}
Error device_disk_remove(Ctx &ctx, std::uint32_t domid, const DeviceDisk &disk, AoHow how, ProgressHow ph) {
    return disk_remove(ctx, domid, disk, false, std::move(how), std::move(ph));
}
Error device_disk_destroy(Ctx &ctx, std::uint32_t domid, const DeviceDisk &disk, AoHow how, ProgressHow ph) {
    return disk_remove(ctx, domid, disk, true, std::move(how), std::move(ph));
}

Error device_nic_add(Ctx &ctx, std::uint32_t domid, DeviceNic *nic, AoHow how, ProgressHow ph) {
    if (!nic) return Error::Inval;
    return ao_start<AddState>(ctx, std::move(how), &AddState::progress, std::move(ph), [&](Egc &egc, AddState &st) {
        return add_start(egc, st, domid, [&](Egc &g, XenStacks &s, DevAdd *a) {
            Error rc = nic_prepare(g, s, domid, nic, a);
            st.nic = *nic;  // with the devid and mac it was given
            return rc;
        });
    });
}
Error device_nic_remove(Ctx &ctx, std::uint32_t domid, const DeviceNic &nic, AoHow how, ProgressHow ph) {
    return nic_remove(ctx, domid, nic, false, std::move(how), std::move(ph));
}
Error device_nic_destroy(Ctx &ctx, std::uint32_t domid, const DeviceNic &nic, AoHow how, ProgressHow ph) {
    return nic_remove(ctx, domid, nic, true, std::move(how), std::move(ph));
}

} // namespace xlkit
