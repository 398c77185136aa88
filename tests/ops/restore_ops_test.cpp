// domain_create_restore on the userspace sim host: the stream's framing
// read around the copy (from a file and from a pipe), bad streams named and
// leaving no domain, abort, the data-phase timeout, with a stand-in helper
// (tests/ops/data/fake-save-helper, "restore" mode) in place of
// xc_domain_restore: it reads the 8-byte marker "XCSTREAM" where
// libxenguest's stream would be.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stop_token>
#include <thread>
#include <unistd.h>

#include "ops/save_format.hpp"
#include "support/modes.hpp"
#include "support/sim_support.hpp"
#include <cstring>
#include <xlkit.h>
#include <xlkit/domain.hpp>

namespace {

using namespace xlkit;
using namespace xlkit::testing;
namespace sf = xlkit::detail::save_format;
using simtest::Host;

std::string good_stream() {
    return sf::stream_header() + sf::record(sf::kRecLibxcContext) + "XCSTREAM" + sf::record(sf::kRecEnd);
}

struct CapLog {
    xentoollog_logger lg{};
    std::string text;
    static void vmessage(xentoollog_logger *lg, xentoollog_level, int, const char *, const char *fmt, va_list al) {
        char buf[2048];
        std::vsnprintf(buf, sizeof buf, fmt, al);
        reinterpret_cast<CapLog *>(lg)->text += std::string(buf) + "\n";
    }
    static void progress(xentoollog_logger *, const char *, const char *, int, unsigned long, unsigned long) {}
    static void destroy(xentoollog_logger *) {}
    CapLog() {
        lg.vmessage = vmessage;
        lg.progress = progress;
        lg.destroy = destroy;
    }
};

class RestoreFixture {
protected:
    void start() {
        ASSERT_TRUE(host_.start("restore"));
        simtest::use_host(host_.dir());
        setenv("XLKIT_SAVE_HELPER", XLKIT_FAKE_SAVE_HELPER, 1);
        CtxOptions o;
        o.hypervisor = "sim:" + host_.dir();
        o.logger = &log_.lg;
        ASSERT_EQ(Ctx::create(&ctx_, o), Error::Success);
        std::vector<DomainInfo> l;
        ASSERT_EQ(list_domain(*ctx_, &l), Error::Success);
        domains_before_ = l.size();
        cfg_.name = "restored";
        cfg_.kernel = "/nonexistent/kernel/not/read/by/restore";
        cfg_.memory = 64;
        cfg_.vcpus = 2;
        ASSERT_EQ(from_string("6b1f1c0e-8a5d-4b0e-9a57-0d1c2b3a4f50", &cfg_.uuid), Error::Success);
    }
    void stop() {
        if (ctx_) {
            EXPECT_EQ(ao_inflight(*ctx_), 0u);
        }
        ctx_.reset();
        (void)host_.stop();
        for (int fd : fds_) close(fd);
        unsetenv("XLKIT_SAVE_HELPER");
        unsetenv("XLKIT_FAKE_RESTORE");
    }
    /* A file holding data, positioned at its start after a prefix (xl's
     * header, which the caller has read). */
    int file_with(const std::string &data, const std::string &prefix = "XLHEADER") {
        char name[] = "/tmp/xlkit-restore-XXXXXX";
        int fd = mkstemp(name);
        EXPECT_GE(fd, 0);
        unlink(name);
        std::string all = prefix + data;
        EXPECT_EQ(write(fd, all.data(), all.size()), ssize_t(all.size()));
        EXPECT_EQ(lseek(fd, off_t(prefix.size()), SEEK_SET), off_t(prefix.size()));
        fds_.push_back(fd);
        return fd;
    }
    bool no_domain_left() {
        std::vector<DomainInfo> l;
        EXPECT_EQ(list_domain(*ctx_, &l), Error::Success);
        for (const DomainInfo &i : l)
            if (i.name == cfg_.name) return false;
        return l.size() == domains_before_;
    }
    ProgressHow record_stages() {
        return ProgressHow::callback([this](const Event &ev) {
            if (auto *p = std::get_if<EventOperationProgress>(&ev.u)) stages_.push_back(p->stage);
        });
    }
    Host host_;
    CapLog log_;
    std::unique_ptr<Ctx> ctx_;
    std::vector<int> fds_;
    std::size_t domains_before_ = 0;
    DomainConfig cfg_;
    std::vector<std::string> stages_;
};

template <class Mode>
class RestoreOpsTest : public RestoreFixture, public ::testing::Test {
protected:
    void SetUp() override { start(); }
    void TearDown() override { stop(); }
    Error restore(int fd, std::uint32_t *d, bool paused = false) {
        return Mode::run(*ctx_, [&](AoHow h) {
            return domain_create_restore(*ctx_, cfg_, paused, d, fd, -1, DomainRestoreParams{}, std::move(h),
                                         record_stages());
        });
    }
};
TYPED_TEST_SUITE(RestoreOpsTest, AllModes, ModeNames);

TYPED_TEST(RestoreOpsTest, AStreamFromAFileMakesTheDomainWithItsNameAndUuid) {
    int fd = this->file_with(good_stream() + "TRAILING");
    std::uint32_t d = 0;
    ASSERT_EQ(this->restore(fd, &d), Error::Success) << this->log_.text;
    DomainInfo i;
    ASSERT_EQ(domain_info(*this->ctx_, d, &i), Error::Success);
    EXPECT_EQ(i.name, "restored");
    EXPECT_EQ(i.uuid, this->cfg_.uuid);
    EXPECT_EQ(i.state, DomainState::Running);
    ASSERT_GE(this->stages_.size(), 2u);
    EXPECT_EQ(this->stages_.front(), "stream");
    EXPECT_EQ(this->stages_[1], "memory");
    // The library read exactly the stream: the fd is left just after END.
    char rest[16] = {};
    EXPECT_EQ(read(fd, rest, sizeof rest), 8);
    EXPECT_EQ(std::string(rest), "TRAILING");
}

TYPED_TEST(RestoreOpsTest, PausedIsLeftPaused) {
    int fd = this->file_with(good_stream());
    std::uint32_t d = 0;
    ASSERT_EQ(this->restore(fd, &d, true), Error::Success) << this->log_.text;
    DomainInfo i;
    ASSERT_EQ(domain_info(*this->ctx_, d, &i), Error::Success);
    EXPECT_EQ(i.state, DomainState::Paused);
}

TYPED_TEST(RestoreOpsTest, BadStreamsAreNamedAndLeaveNoDomain) {
    const std::string hdr = sf::stream_header(), xc = sf::record(sf::kRecLibxcContext);
    std::string bad_record = sf::record(sf::kRecLibxcContext);
    bad_record[0] = char(0x63);  // type 99
    struct Case {
        std::string data, log;
        Error rc;
    } cases[] = {
        {"", "the stream is empty", Error::Inval},
        {"This is not a saved domain at all, just text.\n", "restore of domain", Error::Inval},
        {hdr.substr(0, 10), "truncated: it ends inside the stream header", Error::Inval},
        {hdr + xc + "XCSTREAM", "truncated: it ends inside a record header after the memory", Error::Inval},
        {hdr + bad_record + "XCSTREAM" + sf::record(sf::kRecEnd), "record", Error::Inval},
        {hdr + sf::record(sf::kRecEnd), "no LIBXC_CONTEXT record", Error::Inval},
        {hdr + xc + "XCSTREAM" + sf::record(sf::kRecEmulatorContext, "qemu"), "device model state", Error::Inval},
        {hdr + xc + "NOTXC!!!" + sf::record(sf::kRecEnd), "no libxc stream here", Error::Fail},
    };
    for (const Case &c : cases) {
        this->log_.text.clear();
        int fd = this->file_with(c.data);
        std::uint32_t d = 0;
        EXPECT_EQ(this->restore(fd, &d), c.rc) << "stream of " << c.data.size() << " bytes";
        EXPECT_NE(this->log_.text.find(c.log), std::string::npos) << this->log_.text;
        EXPECT_TRUE(this->no_domain_left()) << c.log;
    }
}

TYPED_TEST(RestoreOpsTest, AFailedCopyLeavesNoDomain) {
    setenv("XLKIT_FAKE_RESTORE", "fail", 1);
    int fd = this->file_with(good_stream());
    std::uint32_t d = 0;
    EXPECT_EQ(this->restore(fd, &d), Error::Fail);
    EXPECT_NE(this->log_.text.find("simulated failure"), std::string::npos) << this->log_.text;
    EXPECT_TRUE(this->no_domain_left());
}

class RestoreAsyncTest : public RestoreFixture, public ::testing::Test {
protected:
    void SetUp() override { start(); }
    void TearDown() override { stop(); }
    void restore_async(int fd, int data_timeout_ms) {
        AoHow how = AoHow::callback([this](Error e) {
            result_ = e;
            finished_ = true;
        }).abort_on(stop_.get_token());
        ASSERT_EQ(domain_create_restore(*ctx_, cfg_, false, &domid_, fd, -1, DomainRestoreParams{}, std::move(how),
                                        record_stages(), data_timeout_ms),
                  Error::Success);
    }
    template <class Pred>
    bool drive_until(Pred p) {
        for (int i = 0; i < 2000 && !p(); ++i) (void)ctx_->run_once(5);
        return p();
    }
    std::stop_source stop_;
    Error result_ = Error::Nonspecific;
    bool finished_ = false;
    std::uint32_t domid_ = 0;
};

TEST_F(RestoreAsyncTest, AStreamThroughAPipeIsReadAsItComes) {
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    fds_.push_back(p[0]);
    restore_async(p[0], 5000);
    std::thread writer([w = p[1]] {
        std::string s = good_stream();
        for (char ch : s) {  // a byte at a time: the framing must be read in pieces
            (void)!write(w, &ch, 1);
            if (ch == 'X') usleep(2000);
        }
        close(w);
    });
    ASSERT_TRUE(drive_until([&] { return finished_; }));
    writer.join();
    EXPECT_EQ(result_, Error::Success) << log_.text;
    DomainInfo i;
    EXPECT_EQ(domain_info(*ctx_, domid_, &i), Error::Success);
}

TEST_F(RestoreAsyncTest, AWriterThatStopsTimesOutAndLeavesNoDomain) {
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    fds_.push_back(p[0]);
    fds_.push_back(p[1]);
    std::string part = sf::stream_header().substr(0, 5);
    ASSERT_EQ(write(p[1], part.data(), part.size()), ssize_t(part.size()));
    restore_async(p[0], 300);
    ASSERT_TRUE(drive_until([&] { return finished_; }));
    EXPECT_EQ(result_, Error::Timedout);
    EXPECT_NE(log_.text.find("no data arrived for 300 ms"), std::string::npos) << log_.text;
    EXPECT_TRUE(no_domain_left());
    EXPECT_EQ(fcntl(p[0], F_GETFD), 0) << "the caller's fd is still open";
}

TEST_F(RestoreAsyncTest, AStalledCopyTimesOut) {
    setenv("XLKIT_FAKE_RESTORE", "stall", 1);
    restore_async(file_with(good_stream()), 300);
    ASSERT_TRUE(drive_until([&] { return finished_; }));
    EXPECT_EQ(result_, Error::Timedout);
    EXPECT_TRUE(no_domain_left());
}

TEST_F(RestoreAsyncTest, AbortDuringTheCopyLeavesNoDomain) {
    setenv("XLKIT_FAKE_RESTORE", "stall", 1);
    restore_async(file_with(good_stream()), 10000);
    ASSERT_TRUE(drive_until([&] { return stages_.size() >= 2; }));  // "stream", "memory": the helper runs
    stop_.request_stop();
    ASSERT_TRUE(drive_until([&] { return finished_; }));
    EXPECT_EQ(result_, Error::Aborted);
    EXPECT_TRUE(no_domain_left());
}

TEST_F(RestoreAsyncTest, BadRequestsFailAtInitiation) {
    int fd = file_with(good_stream());
    std::uint32_t d = 0;
    DomainRestoreParams p;
    p.checkpointed_stream = 1;
    EXPECT_EQ(domain_create_restore(*ctx_, cfg_, false, &d, fd, -1, p, AoHow{}), Error::Inval);
    p = DomainRestoreParams{};
    p.stream_version = 1;
    EXPECT_EQ(domain_create_restore(*ctx_, cfg_, false, &d, fd, -1, p, AoHow{}), Error::Inval);
    p = DomainRestoreParams{};
    p.colo_proxy_script = "/bin/true";
    EXPECT_EQ(domain_create_restore(*ctx_, cfg_, false, &d, fd, -1, p, AoHow{}), Error::Inval);
    EXPECT_EQ(domain_create_restore(*ctx_, cfg_, false, &d, fd, fd, DomainRestoreParams{}, AoHow{}), Error::Inval);
    EXPECT_EQ(domain_create_restore(*ctx_, cfg_, false, &d, -1, -1, DomainRestoreParams{}, AoHow{}), Error::Inval);
    int wfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    fds_.push_back(wfd);
    EXPECT_EQ(domain_create_restore(*ctx_, cfg_, false, &d, wfd, -1, DomainRestoreParams{}, AoHow{}), Error::Inval);
    setenv("XLKIT_SAVE_HELPER", "/nonexistent/helper", 1);
    EXPECT_EQ(domain_create_restore(*ctx_, cfg_, false, &d, fd, -1, DomainRestoreParams{}, AoHow{}), Error::Inval);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 8) << "nothing read by a failed initiation";
    EXPECT_TRUE(no_domain_left());
}

// libxl_domain_create_restore's C form, as a libxl user ports it.
class CRestore : public RestoreFixture, public ::testing::Test {
protected:
    void SetUp() override {
        start();
        setenv("XLKIT_HYPERVISOR", ("sim:" + host_.dir()).c_str(), 1);
        ASSERT_EQ(xlkit_ctx_alloc(&c_, XLKIT_VERSION, 0, nullptr), 0);
        xlkit_domain_config_init(&ccfg_);
        ccfg_.name = strdup("restored");
        ccfg_.memory = 64;
        ccfg_.vcpus = 1;
        xlkit_domain_restore_params_init(&params_);
    }
    void TearDown() override {
        xlkit_domain_config_dispose(&ccfg_);
        xlkit_ctx_free(c_);
        unsetenv("XLKIT_HYPERVISOR");
        stop();
    }
    xlkit_ctx *c_ = nullptr;
    xlkit_domain_config ccfg_;
    xlkit_domain_restore_params params_;
};

TEST_F(CRestore, AStreamIsRestoredThroughTheCApiAndOnlyThePlainCaseIsTaken) {
    uint32_t domid = 0;
    ASSERT_EQ(xlkit_domain_create_restore(c_, &ccfg_, &domid, file_with(good_stream()), -1, &params_, nullptr, nullptr),
              0)
        << log_.text;  // synchronous
    xlkit_dominfo info;
    xlkit_dominfo_init(&info);
    ASSERT_EQ(xlkit_domain_info(c_, &info, domid), 0);
    EXPECT_STREQ(info.name, "restored");
    EXPECT_EQ(info.state, XLKIT_DOMAIN_STATE_PAUSED);  // as libxl leaves it: the caller unpauses
    xlkit_dominfo_dispose(&info);
    EXPECT_EQ(xlkit_domain_unpause(c_, domid, nullptr), 0);
    EXPECT_EQ(xlkit_domain_destroy(c_, domid, nullptr), 0);

    params_.checkpointed_stream = 1;  // Remus / COLO
    EXPECT_EQ(xlkit_domain_create_restore(c_, &ccfg_, &domid, file_with(good_stream()), -1, &params_, nullptr, nullptr),
              XLKIT_ERROR_INVAL);
    xlkit_domain_restore_params_init(&params_);
    params_.stream_version = 1;  // xl's legacy files
    EXPECT_EQ(xlkit_domain_create_restore(c_, &ccfg_, &domid, file_with(good_stream()), -1, &params_, nullptr, nullptr),
              XLKIT_ERROR_INVAL);
    xlkit_domain_restore_params_init(&params_);
    EXPECT_EQ(xlkit_domain_create_restore(c_, &ccfg_, &domid, file_with("not a stream at all"), -1, &params_, nullptr,
                                          nullptr),
              XLKIT_ERROR_INVAL);
    EXPECT_EQ(xlkit_domain_create_restore(nullptr, &ccfg_, &domid, file_with(good_stream()), -1, &params_, nullptr,
                                          nullptr),
              XLKIT_ERROR_INVAL);
    EXPECT_TRUE(no_domain_left());
}

} // namespace
