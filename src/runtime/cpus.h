// How many CPUs this process may actually use: the default `threads`, and the CPUs that
// `pin-threads` pins to.
//
// std::thread::hardware_concurrency() counts the machine's online CPUs. In a container limited
// with --cpuset-cpus, under taskset or systemd's CPUAffinity, or under a CPU quota (--cpus,
// CPUQuota=), that is more loops than CPUs: every loop but one competes for the same cores and
// most commands hop. So the count is the calling thread's affinity mask, capped by the CPU
// quota of the process's cgroup and its ancestors (cgroup v2 cpu.max, or v1 cpu.cfs_quota_us /
// cpu.cfs_period_us), rounded up.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::runtime {

// The CPU ids the calling thread may run on (sched_getaffinity), ascending; 0..n-1 for the
// machine's n online CPUs if the mask cannot be read.
std::vector<int> AllowedCpus();

// min(AllowedCpus().size(), the cgroup CPU quota), at least 1.
int UsableCpus();

// The cgroup CPU quota in whole CPUs (rounded up), or 0 when there is none. Reads
// /proc/self/mountinfo and /proc/self/cgroup; below, the same from given texts and a file
// reader (nullopt: no such file), for tests.
int CgroupCpuLimit();
int CgroupCpuLimit(std::string_view mountinfo, std::string_view proc_self_cgroup,
                   const std::function<std::optional<std::string>(const std::string&)>& read);

}  // namespace tessera::runtime
