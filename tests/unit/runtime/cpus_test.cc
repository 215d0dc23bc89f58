#include "src/runtime/cpus.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <map>
#include <optional>
#include <string>

namespace tessera::runtime {
namespace {

// A file system of a few files, for CgroupCpuLimit.
struct Files {
  std::map<std::string, std::string> files;
  std::optional<std::string> operator()(const std::string& path) const {
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  }
};

// Debian 12 and current systemd hosts: one cgroup2 hierarchy.
constexpr const char* kV2Mounts =
    "22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
    "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";

TEST(CgroupCpuLimitTest, V2QuotaIsRoundedUpToWholeCpus) {
  Files fs{{{"/sys/fs/cgroup/system.slice/tessera.service/cpu.max", "150000 100000\n"}}};
  EXPECT_EQ(CgroupCpuLimit(kV2Mounts, "0::/system.slice/tessera.service\n", fs), 2);
  fs.files["/sys/fs/cgroup/system.slice/tessera.service/cpu.max"] = "50000 100000\n";
  EXPECT_EQ(CgroupCpuLimit(kV2Mounts, "0::/system.slice/tessera.service\n", fs), 1);
}

TEST(CgroupCpuLimitTest, V2WithoutAQuotaIsNoLimit) {
  Files fs{{{"/sys/fs/cgroup/user.slice/cpu.max", "max 100000\n"}}};
  EXPECT_EQ(CgroupCpuLimit(kV2Mounts, "0::/user.slice\n", fs), 0);
  EXPECT_EQ(CgroupCpuLimit(kV2Mounts, "0::/\n", Files{}), 0);
}

TEST(CgroupCpuLimitTest, AnAncestorsQuotaLimitsTheProcess) {
  Files fs{{{"/sys/fs/cgroup/a/b/cpu.max", "max 100000\n"},
            {"/sys/fs/cgroup/a/cpu.max", "300000 100000\n"},
            {"/sys/fs/cgroup/cpu.max", "800000 100000\n"}}};
  EXPECT_EQ(CgroupCpuLimit(kV2Mounts, "0::/a/b\n", fs), 3);
  fs.files["/sys/fs/cgroup/a/b/cpu.max"] = "100000 100000\n";  // the tightest wins
  EXPECT_EQ(CgroupCpuLimit(kV2Mounts, "0::/a/b\n", fs), 1);
}

// Docker on a cgroup v1 host: the cpu controller's hierarchy, with the container's own cgroup
// mounted as its root.
TEST(CgroupCpuLimitTest, V1QuotaInAContainer) {
  const char* mounts =
      "40 35 0:33 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid - cgroup cgroup "
      "rw,cpu,cpuacct\n"
      "41 35 0:34 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n";
  const char* cgroup = "5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n";
  Files fs{{{"/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "250000\n"},
            {"/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n"}}};
  EXPECT_EQ(CgroupCpuLimit(mounts, cgroup, fs), 3);
  fs.files["/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us"] = "-1\n";  // no quota
  EXPECT_EQ(CgroupCpuLimit(mounts, cgroup, fs), 0);
}

TEST(CgroupCpuLimitTest, MalformedFilesAreNoLimit) {
  Files fs{{{"/sys/fs/cgroup/a/cpu.max", "lots\n"}}};
  EXPECT_EQ(CgroupCpuLimit(kV2Mounts, "0::/a\n", fs), 0);
  fs.files["/sys/fs/cgroup/a/cpu.max"] = "100000 0\n";
  EXPECT_EQ(CgroupCpuLimit(kV2Mounts, "0::/a\n", fs), 0);
  EXPECT_EQ(CgroupCpuLimit("garbage", "also garbage", fs), 0);
  EXPECT_EQ(CgroupCpuLimit(kV2Mounts, "0::a-relative-path\n", fs), 0);
}

// taskset, --cpuset-cpus or CPUAffinity=: the affinity mask bounds the loop count.
TEST(UsableCpusTest, FollowTheAffinityMask) {
  cpu_set_t saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof(saved), &saved), 0);
  const std::vector<int> all = AllowedCpus();
  ASSERT_EQ(static_cast<int>(all.size()), CPU_COUNT(&saved));
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(all.back(), &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  const std::vector<int> allowed = AllowedCpus();
  const int usable = UsableCpus();
  ASSERT_EQ(sched_setaffinity(0, sizeof(saved), &saved), 0);
  EXPECT_EQ(allowed, std::vector<int>{all.back()});
  EXPECT_EQ(usable, 1);
}

}  // namespace
}  // namespace tessera::runtime
