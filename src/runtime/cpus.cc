#include "src/runtime/cpus.h"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <thread>

namespace tessera::runtime {
namespace {

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool Contains(const std::vector<std::string_view>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::optional<int64_t> ParseInt(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Whole CPUs for `quota` microseconds per `period`, rounded up; 0 for no limit.
int CpusFor(std::optional<int64_t> quota, std::optional<int64_t> period) {
  if (!quota || !period || *quota <= 0 || *period <= 0) return 0;
  return static_cast<int>(std::min<int64_t>((*quota + *period - 1) / *period, 1 << 20));
}

// The tighter of two limits in whole CPUs, where 0 is no limit.
int Tighter(int limit, int other) {
  if (limit == 0) return other;
  return other == 0 ? limit : std::min(limit, other);
}

// One cgroup hierarchy that can limit CPU, and where it is mounted.
struct Hierarchy {
  bool v2 = false;
  std::string mount_root;   // the hierarchy's directory that is mounted (4th mountinfo field)
  std::string mount_point;  // where (5th field)
};

// The limit set on `cgroup` (the process's, from /proc/self/cgroup) or any ancestor visible
// under the mount point.
int HierarchyLimit(const Hierarchy& h, const std::string& cgroup,
                   const std::function<std::optional<std::string>(const std::string&)>& read) {
  // A container sees its own cgroup mounted as the root: the part of the path below the
  // mount's root is what lies below the mount point.
  std::string rel;
  if (h.mount_root == "/") {
    rel = cgroup;
  } else if (cgroup.compare(0, h.mount_root.size(), h.mount_root) == 0) {
    rel = cgroup.substr(h.mount_root.size());
  }
  while (!rel.empty() && rel.back() == '/') rel.pop_back();
  int limit = 0;
  for (;;) {
    const std::string dir = h.mount_point + rel;
    int here = 0;
    if (h.v2) {
      if (auto max = read(dir + "/cpu.max")) {
        std::vector<std::string_view> f = Split(*max, ' ');
        if (f.size() == 2 && f[0] != "max") here = CpusFor(ParseInt(f[0]), ParseInt(f[1]));
      }
    } else {
      auto quota = read(dir + "/cpu.cfs_quota_us");
      auto period = read(dir + "/cpu.cfs_period_us");
      if (quota && period) here = CpusFor(ParseInt(*quota), ParseInt(*period));
    }
    limit = Tighter(limit, here);
    if (rel.empty()) return limit;
    const size_t slash = rel.rfind('/');
    rel.erase(slash == std::string::npos ? 0 : slash);
  }
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::vector<int> AllowedCpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
    }
  }
  if (cpus.empty()) {
    const int n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (int cpu = 0; cpu < n; ++cpu) cpus.push_back(cpu);
  }
  return cpus;
}

int CgroupCpuLimit(std::string_view mountinfo, std::string_view proc_self_cgroup,
                   const std::function<std::optional<std::string>(const std::string&)>& read) {
  std::vector<Hierarchy> found;
  for (std::string_view line : Split(mountinfo, '\n')) {
    const size_t dash = line.find(" - ");
    if (dash == std::string_view::npos) continue;
    std::vector<std::string_view> left = Split(line.substr(0, dash), ' ');
    std::vector<std::string_view> right = Split(line.substr(dash + 3), ' ');
    if (left.size() < 5 || right.size() < 3) continue;
    Hierarchy h;
    if (right[0] == "cgroup2") {
      h.v2 = true;
    } else if (right[0] != "cgroup" || !Contains(Split(right[2], ','), "cpu")) {
      continue;
    }
    h.mount_root = std::string(left[3]);
    h.mount_point = std::string(left[4]);
    found.push_back(std::move(h));
  }
  int limit = 0;
  for (std::string_view line : Split(proc_self_cgroup, '\n')) {
    // "0::/path" for v2; "4:cpu,cpuacct:/path" for a v1 hierarchy with the cpu controller.
    std::vector<std::string_view> f = Split(line, ':');
    if (f.size() < 3) continue;
    const bool v2 = f[0] == "0" && f[1].empty();
    if (!v2 && !Contains(Split(f[1], ','), "cpu")) continue;
    const std::string cgroup(line.substr(f[0].size() + f[1].size() + 2));
    for (const Hierarchy& h : found) {
      if (h.v2 == v2) limit = Tighter(limit, HierarchyLimit(h, cgroup, read));
    }
  }
  return limit;
}

int CgroupCpuLimit() {
  auto mountinfo = ReadFile("/proc/self/mountinfo");
  auto cgroup = ReadFile("/proc/self/cgroup");
  if (!mountinfo || !cgroup) return 0;
  return CgroupCpuLimit(*mountinfo, *cgroup, &ReadFile);
}

int UsableCpus() {
  int cpus = static_cast<int>(AllowedCpus().size());
  const int limit = CgroupCpuLimit();
  if (limit > 0) cpus = std::min(cpus, limit);
  return std::max(cpus, 1);
}

}  // namespace tessera::runtime
