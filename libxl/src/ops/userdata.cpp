#include "ops/userdata.hpp"

#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event/log.hpp"
#include "event/unique_fd.hpp"
#include "ops/op_util.hpp"
#include "ops/stacks.hpp"
#include "xen/xen_ctx.hpp"
#include <xlkit/config_json.hpp>
#include <xlkit/domain.hpp>
#include <xlkit/evgen.hpp>

namespace xlkit::detail {

namespace {

std::string file_name(const XenCtx &x, const char *kind, std::uint32_t domid, const Uuid &uuid, const char *key) {
    return x.lib_dir() + "/userdata-" + kind + "." + std::to_string(domid) + "." + to_string(uuid) + "." + key;
}

bool write_all(int fd, const std::string &s) {
    std::size_t off = 0;
    while (off < s.size()) {
        ssize_t n = write(fd, s.data() + off, s.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += std::size_t(n);
    }
    return true;
}


// libxl stores the JSON with its terminating NUL (libxl__set_domain_configuration
// writes strlen + 1 bytes) and its reader takes the file as a C string: a file
// without the NUL is read past its end. xlkit writes the NUL too, and reads
// files with and without it.
std::string libxl_json_file(std::string json) {
    json += '\n';
    json += '\0';
    return json;
}

Error read_file(const std::string &path, std::string *text, std::string *why) {
    FILE *f = std::fopen(path.c_str(), "re");
    if (!f) {
        if (errno == ENOENT) return Error::Notfound;
        *why = "cannot read " + path + ": " + std::strerror(errno);
        return Error::Fail;
    }
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text->append(buf, n);
    bool err = std::ferror(f);
    std::fclose(f);
    if (err) {
        *why = "cannot read " + path;
        return Error::Fail;
    }
    while (!text->empty() && text->back() == '\0') text->pop_back();
    return Error::Success;
}

Error write_file(const XenCtx &x, const std::string &path, const std::string &text, std::string *why) {
    const std::string tmp = path + ".new";
    if (mkdir(x.lib_dir().c_str(), 0755) < 0 && errno != EEXIST) {
        *why = "cannot make " + x.lib_dir() + ": " + std::strerror(errno);
        return Error::Fail;
    }
    UniqueFd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd) {
        *why = "cannot write " + tmp + ": " + std::strerror(errno);
        return Error::Fail;
    }
    if (!write_all(fd.get(), text) || fsync(fd.get()) < 0) {
        *why = "cannot write " + tmp + ": " + std::strerror(errno);
        fd.reset();
        (void)unlink(tmp.c_str());
        return Error::Fail;
    }
    fd.reset();
    if (rename(tmp.c_str(), path.c_str()) < 0) {
        *why = "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno);
        (void)unlink(tmp.c_str());
        return Error::Fail;
    }
    return Error::Success;
}

} // namespace

std::string userdata_path(const XenCtx &x, std::uint32_t domid, const Uuid &uuid) {
    return file_name(x, "d", domid, uuid, "libxl-json");
}

Error userdata_store(const XenCtx &x, std::uint32_t domid, const Uuid &uuid, const DomainConfig &cfg,
                     std::string *why) {
    return write_file(x, userdata_path(x, domid, uuid), libxl_json_file(domain_config_to_libxl_json(cfg, uuid)), why);
}

Error userdata_load(const XenCtx &x, std::uint32_t domid, const Uuid &uuid, DomainConfig *cfg, std::string *why) {
    const std::string path = userdata_path(x, domid, uuid);
    std::string text;
    if (Error rc = read_file(path, &text, why); rc != Error::Success) return rc;
    Uuid stored;
    std::string jwhy;
    if (domain_config_from_libxl_json(text, cfg, &stored, &jwhy) != Error::Success) {
        *why = path + ": " + jwhy;
        return Error::Inval;
    }
    return Error::Success;
}

Error userdata_update_device(const XenCtx &x, std::uint32_t domid, const Uuid &uuid, const char *kind, int devid,
                             const DeviceDisk *add_disk, const DeviceNic *add_nic, std::string *why) {
    namespace json = boost::json;
    const std::string path = userdata_path(x, domid, uuid);
    std::string text;
    if (Error rc = read_file(path, &text, why); rc != Error::Success) return rc;
    boost::system::error_code ec;
    json::value doc = json::parse(text, ec);
    if (ec || !doc.is_object()) {
        *why = path + ": not a JSON object";
        return Error::Inval;
    }
    // The new entry in libxl's shape, from the one writer of that shape.
    json::value entry;
    if (add_disk || add_nic) {
        DomainConfig one;
        if (add_disk) one.disks.push_back(*add_disk);
        if (add_nic) one.nics.push_back(*add_nic);
        entry = json::parse(domain_config_to_libxl_json(one, uuid)).as_object().at(kind).as_array().at(0);
    }
    json::value &slot = doc.as_object()[kind];
    if (!slot.is_array()) slot.emplace_array();
    json::array &a = slot.as_array();
    for (auto it = a.begin(); it != a.end();) {
        int id = -1;
        if (const json::object *o = it->if_object()) {
            if (const json::value *v = o->if_contains(std::strcmp(kind, "disks") == 0 ? "vdev" : "devid")) {
                if (v->is_string()) id = vdev_to_devid(v->as_string().c_str());
                else if (v->is_int64()) id = int(v->as_int64());
            }
        }
        it = id == devid ? a.erase(it) : it + 1;
    }
    if (!entry.is_null()) a.push_back(std::move(entry));
    return write_file(x, path, libxl_json_file(json::serialize(doc)), why);
}

void userdata_remove(const XenCtx &x, std::uint32_t domid, const Uuid &uuid) {
    const std::string pattern = x.lib_dir() + "/userdata-?." + std::to_string(domid) + "." + to_string(uuid) + ".*";
    glob_t g{};
    if (glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g) == 0)
        for (std::size_t i = 0; i < g.gl_pathc; ++i) (void)unlink(g.gl_pathv[i]);
    globfree(&g);
}

} // namespace xlkit::detail

namespace xlkit {

using namespace detail;

Error retrieve_domain_configuration(Ctx &ctx, std::uint32_t domid, DomainConfig *out) {
    if (!out) return Error::Inval;
    return quick_call(ctx, XsNeed::None, [domid, out](Egc &egc, XenStacks &s) {
        DomInfo d;
        if (Error rc = query_domain(egc, *s.hv, domid, &d); rc != Error::Success) return rc;
        Uuid u;
        std::memcpy(u.bytes.data(), d.uuid, 16);
        std::string why;
        Error rc = userdata_load(*s.x, domid, u, out, &why);
        if (rc != Error::Success && rc != Error::Notfound)
            XLKIT_LOG(egc.ctx, ERROR, "domain %u's configuration: %s", domid, why.c_str());
        return rc;
    });
}

} // namespace xlkit
