/* xlcfg.c: the C side of xlkit's xl.cfg reading (see xlcfg.h), built as
 * the module xlkit-xlcfg.so: the only code of xlkit that links libxlutil
 * (and through it libxenlight). The CLI loads it on its first config
 * (xlcfg_load.c), so a command that reads none never maps either library.
 * It exports one symbol, the table XLCFG_MODULE_SYMBOL. */
#include "xlcfg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxlutil.h>

struct xlcfg {
    XLU_Config *xlu;
    FILE *report;       /* open_memstream over rbuf */
    char *rbuf;
    size_t rlen;
    size_t rtaken;      /* bytes of rbuf already handed out */
};

static void m_free(xlcfg *c);
static int m_parse_disk_multi(xlcfg *c, int nspecs, const char *const *specs, xlcfg_disk *out);

static char *take(xlcfg *c) {
    fflush(c->report);
    size_t n = c->rlen > c->rtaken ? c->rlen - c->rtaken : 0;
    char *s = malloc(n + 1);
    if (!s) return NULL;
    if (n) memcpy(s, c->rbuf + c->rtaken, n);
    s[n] = 0;
    c->rtaken = c->rlen;
    return s;
}

static xlcfg *m_parse(const char *source, const char *data, int len, char **report_r) {
    if (report_r) *report_r = NULL;
    xlcfg *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->report = open_memstream(&c->rbuf, &c->rlen);
    if (!c->report) {
        free(c);
        return NULL;
    }
    c->xlu = xlu_cfg_init(c->report, source);
    if (!c->xlu) {
        m_free(c);
        return NULL;
    }
    int e = xlu_cfg_readdata(c->xlu, data, len);
    if (e) {
        if (report_r) *report_r = take(c);
        if (report_r && *report_r && !**report_r) {
            /* Nothing reported: say what failed. */
            free(*report_r);
            *report_r = NULL;
            if (asprintf(report_r, "%s: cannot parse: %s\n", source, strerror(e)) < 0) *report_r = NULL;
        }
        m_free(c);
        return NULL;
    }
    return c;
}

static xlcfg *m_new(const char *source) {
    xlcfg *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->report = open_memstream(&c->rbuf, &c->rlen);
    if (!c->report) {
        free(c);
        return NULL;
    }
    c->xlu = xlu_cfg_init(c->report, source);
    if (!c->xlu) {
        m_free(c);
        return NULL;
    }
    return c;
}

static void m_free(xlcfg *c) {
    if (!c) return;
    if (c->xlu) xlu_cfg_destroy(c->xlu);
    if (c->report) fclose(c->report);
    free(c->rbuf);
    free(c);
}

static int m_get_string(xlcfg *c, const char *key, const char **value_r) {
    return xlu_cfg_get_string(c->xlu, key, value_r, 0);
}

static int m_get_long(xlcfg *c, const char *key, long *value_r) {
    return xlu_cfg_get_long(c->xlu, key, value_r, 0);
}

static int m_get_list(xlcfg *c, const char *key, int *n_r) {
    XLU_ConfigList *l = NULL;
    return xlu_cfg_get_list(c->xlu, key, &l, n_r, 0);
}

static const char *m_list_item(xlcfg *c, const char *key, int i) {
    XLU_ConfigList *l = NULL;
    if (xlu_cfg_get_list(c->xlu, key, &l, NULL, 1)) return NULL;
    return xlu_cfg_get_listitem(l, i);
}

static int m_is_set(xlcfg *c, const char *key) {
    const char *s;
    XLU_ConfigList *l;
    /* A single value or a list: one of the two succeeds if key is set. */
    return xlu_cfg_get_string(c->xlu, key, &s, 1) != ESRCH || xlu_cfg_get_list(c->xlu, key, &l, NULL, 1) != ESRCH;
}

static char *m_take_report(xlcfg *c) { return take(c); }

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static int m_parse_disk(xlcfg *c, const char *spec, xlcfg_disk *out) {
    return m_parse_disk_multi(c, 1, &spec, out);
}

static int m_parse_disk_multi(xlcfg *c, int nspecs, const char *const *specs, xlcfg_disk *out) {
    memset(out, 0, sizeof *out);
    libxl_device_disk d;
    libxl_device_disk_init(&d);
    int e = xlu_disk_parse(c->xlu, nspecs, specs, &d);
    if (!e) {
        out->backend_domname = dup_or_null(d.backend_domname);
        out->pdev_path = dup_or_null(d.pdev_path);
        out->vdev = dup_or_null(d.vdev);
        out->script = dup_or_null(d.script);
        out->backend = (int)d.backend;
        out->format = (int)d.format;
        out->removable = d.removable;
        out->readwrite = d.readwrite;
        out->is_cdrom = d.is_cdrom;
    }
    libxl_device_disk_dispose(&d);
    return e;
}

static void m_disk_free(xlcfg_disk *d) {
    free(d->backend_domname);
    free(d->pdev_path);
    free(d->vdev);
    free(d->script);
    memset(d, 0, sizeof *d);
}

static int m_parse_vif_rate(xlcfg *c, const char *rate, unsigned long long *bytes_per_interval,
                         unsigned int *interval_usecs) {
    libxl_device_nic nic;
    libxl_device_nic_init(&nic);
    /* It tests errno for ERANGE after strtoull without clearing it first. */
    errno = 0;
    int e = xlu_vif_parse_rate(c->xlu, rate, &nic);
    if (!e) {
        *bytes_per_interval = nic.rate_bytes_per_interval;
        *interval_usecs = nic.rate_interval_usecs;
    }
    libxl_device_nic_dispose(&nic);
    return e;
}

__attribute__((visibility("default"))) const xlcfg_ops XLCFG_MODULE_TABLE = {
    XLCFG_ABI_VERSION, m_parse,       m_free,        m_new,        m_get_string,     m_get_long,
    m_get_list,        m_list_item,   m_is_set,      m_take_report, m_parse_disk,    m_parse_disk_multi,
    m_disk_free,       m_parse_vif_rate,
};
