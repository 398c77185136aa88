/* tests/idl/c_api_c.c: the C API used from C. */
#include "idl/c_api_c.h"

#include <stdlib.h>
#include <string.h>

int capi_build_config(xlkit_domain_config *cfg)
{
    xlkit_domain_config_init(cfg);
    cfg->name = strdup("c-guest");
    cfg->type = XLKIT_DOMAIN_TYPE_PVH;
    cfg->memory = 256;
    cfg->on_crash = XLKIT_ACTION_ON_SHUTDOWN_PRESERVE;
    cfg->disks = calloc(2, sizeof(*cfg->disks));
    if (!cfg->name || !cfg->disks) return XLKIT_ERROR_NOMEM;
    cfg->num_disks = 2;
    for (int i = 0; i < cfg->num_disks; i++) xlkit_device_disk_init(&cfg->disks[i]);
    cfg->disks[0].vdev = strdup("xvda");
    cfg->disks[0].format = XLKIT_DISK_FORMAT_QCOW2;
    cfg->disks[1].vdev = strdup("xvdb");
    cfg->disks[1].readwrite = false;
    return 0;
}

char *capi_disk_eject_json(void)
{
    xlkit_event ev;
    char *json;

    xlkit_event_init(&ev);
    ev.domid = 5;
    ev.for_user = 42;
    xlkit_event_init_type(&ev, XLKIT_EVENT_TYPE_DISK_EJECT);
    ev.u.disk_eject.vdev = strdup("xvdc");
    ev.u.disk_eject.disk.pdev_path = strdup("/srv/cd.iso");
    ev.u.disk_eject.disk.is_cdrom = true;
    json = xlkit_event_to_json(NULL, &ev);
    xlkit_event_dispose(&ev);
    return json;
}

char *capi_reparse_event(const char *json)
{
    xlkit_event ev, copy;
    char *out = NULL;

    if (xlkit_event_from_json(NULL, &ev, json)) {
        xlkit_event_dispose(&ev);
        return NULL;
    }
    /* Switching the key disposes the old member (strings included). */
    xlkit_event_init_type(&ev, XLKIT_EVENT_TYPE_HELPER_OUTPUT);
    ev.u.helper_output.line = strdup("done");
    if (xlkit_event_copy(NULL, &copy, &ev) == 0) {
        out = xlkit_event_to_json(NULL, &copy);
        xlkit_event_dispose(&copy);
    }
    xlkit_event_dispose(&ev);
    return out;
}

const char *capi_error_name(int rc)
{
    const char *s = xlkit_error_to_string((xlkit_error)rc);
    return s ? s : "?";
}
