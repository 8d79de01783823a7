#include "bench/report.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

namespace stockwire::bench {

namespace {

std::uint64_t proc_status_kb(const char* field) {
  std::ifstream in{"/proc/self/status"};
  std::string line;
  auto len = std::char_traits<char>::length(field);
  while (std::getline(in, line))
    if (line.compare(0, len, field) == 0)
      return std::stoull(line.substr(len + 1));
  return 0;
}

} // namespace

std::uint64_t rss_kb() {
  return proc_status_kb("VmRSS");
}

std::uint64_t peak_rss_kb() {
  return proc_status_kb("VmHWM");
}

std::uint64_t anon_rss_kb() {
  return proc_status_kb("RssAnon");
}

double percentile_ms(std::vector<std::uint32_t>& v, double q) {
  if (v.empty())
    return 0;
  auto idx = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(idx),
                   v.end());
  return v[idx] / 1000.0;
}

void print(scenario_result& r, bool json) {
  double rate = r.seconds > 0 ? static_cast<double>(r.orders) / r.seconds : 0;
  double p50 = percentile_ms(r.latencies_us, 0.50);
  double p99 = percentile_ms(r.latencies_us, 0.99);
  double p999 = percentile_ms(r.latencies_us, 0.999);
  double max =
      r.latencies_us.empty()
          ? 0
          : *std::max_element(r.latencies_us.begin(), r.latencies_us.end()) /
                1000.0;
  double per_batch = r.commit_batches > 0
                         ? static_cast<double>(r.committed_records) /
                               static_cast<double>(r.commit_batches)
                         : 0;
  if (json) {
    std::printf("{\"scenario\":\"%s\",\"mode\":\"%s\",\"orders_per_s\":%.0f,"
                "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,"
                "\"max_ms\":%.3f,\"accepted\":%llu,\"rejected\":%llu,"
                "\"replayed\":%llu,\"errors\":%llu,\"orders\":%llu,"
                "\"seconds\":%.3f,\"rss_mb\":%.1f,\"peak_rss_mb\":%.1f,"
                "\"records_per_commit\":%.1f",
                r.scenario.c_str(), r.mode.c_str(), rate, p50, p99, p999, max,
                static_cast<unsigned long long>(r.accepted),
                static_cast<unsigned long long>(r.rejected),
                static_cast<unsigned long long>(r.replayed),
                static_cast<unsigned long long>(r.errors),
                static_cast<unsigned long long>(r.orders), r.seconds,
                r.rss_kb / 1024.0, r.peak_rss_kb / 1024.0, per_batch);
    for (auto& [k, v] : r.extra)
      std::printf(",\"%s\":%s", k.c_str(), v.c_str());
    std::printf("}\n");
  } else {
    std::printf("scenario %-8s (%s)  %10.0f orders/s  p50 %.3f ms  p99 %.3f ms"
                "  p999 %.3f ms  max %.3f ms\n",
                r.scenario.c_str(), r.mode.c_str(), rate, p50, p99, p999, max);
    std::printf("  orders %llu  accepted %llu  rejected %llu  replayed %llu"
                "  errors %llu  in %.2f s\n",
                static_cast<unsigned long long>(r.orders),
                static_cast<unsigned long long>(r.accepted),
                static_cast<unsigned long long>(r.rejected),
                static_cast<unsigned long long>(r.replayed),
                static_cast<unsigned long long>(r.errors), r.seconds);
    std::printf("  rss %.1f MiB (peak %.1f MiB)  records per commit %.1f\n",
                r.rss_kb / 1024.0, r.peak_rss_kb / 1024.0, per_batch);
    for (auto& [k, v] : r.extra)
      std::printf("  %s: %s\n", k.c_str(), v.c_str());
  }
  std::fflush(stdout);
}

} // namespace stockwire::bench
