"""A flash-sale scenario: the catalogue, the shoppers and the sync mode.

Everything a run depends on is here and printed into its report, so a
scenario is reproduced by its preset, overrides and seed.

Presets:
  full  the issue's scenario: 10 minutes, a 10x burst for one minute in the
        middle, 1,000 SKUs with 3 units each, polling every 5 minutes.
  ci    the same shape in one minute: 300 SKUs, a 10x burst for 10 s,
        polling every 20 s (so the baseline polls inside the run).
"""
import dataclasses

PRESETS = {
    "full": dict(duration_s=600, burst_start_s=300, burst_duration_s=60,
                 skus=1000, on_hand=3, rate_per_s=1.0, poll_interval_s=300),
    "ci": dict(duration_s=60, burst_start_s=30, burst_duration_s=10,
               skus=300, on_hand=3, rate_per_s=1.0, poll_interval_s=20),
}

# Round trip each fake channel adds to every API reply: typical figures of
# the real APIs from a data centre in the same region (assumed, not measured
# against the live services; channels.md gives no latencies).
CHANNEL_LATENCY_MS = {"shopify": 100, "amazon": 250, "woocommerce": 200,
                      "ebay": 150, "flipkart": 200}

# After the shoppers stop: how long the lab waits for the webhooks still in
# flight and for every oversell's cancellation to reach its channel.
DRAIN_DEADLINE_S = 300
# Before the shoppers start: how long every channel may take to show the
# initial stock of every SKU.
CONVERGE_DEADLINE_S = 300


@dataclasses.dataclass
class Scenario:
    mode: str = "event"            # "event" or "poll"
    cluster: bool = False          # three nodes instead of one
    seed: int = 42
    duration_s: float = 600        # shoppers buy this long
    burst_start_s: float = 300     # the flash sale starts here ...
    burst_duration_s: float = 60   # ... lasts this long ...
    burst_multiplier: float = 10   # ... at this many times the normal rate
    rate_per_s: float = 1.0        # purchases per second per channel, normal
    zipf_s: float = 1.0            # popularity skew: DEMO-1 is the hottest
    skus: int = 1000               # DEMO-1 .. DEMO-<skus>, on all 5 channels
    on_hand: int = 3               # initial units of every SKU
    poll_interval_s: int = 300     # poll mode: push every listed SKU this often
    channel_latency_ms: dict = dataclasses.field(
        default_factory=lambda: dict(CHANNEL_LATENCY_MS))
    sample_interval_s: float = 1.0  # lab sampling of counters and lag

    @staticmethod
    def preset(name, **overrides):
        values = dict(PRESETS[name])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return Scenario(**values)

    def rate_at(self, t):
        """Purchase attempts per second per channel at t seconds."""
        in_burst = self.burst_start_s <= t < self.burst_start_s + \
            self.burst_duration_s
        return self.rate_per_s * (self.burst_multiplier if in_burst else 1)

    def rate_integral(self, a, b):
        """Purchase attempts per channel between a and b seconds."""
        lo = self.burst_start_s
        hi = self.burst_start_s + self.burst_duration_s
        burst = max(0.0, min(b, hi) - max(a, lo))
        return self.rate_per_s * ((b - a) - burst +
                                  burst * self.burst_multiplier)

    def storefront_toml(self, node_url):
        return ("[storefront]\n"
                "enabled = true\n"
                f'stockwire_url = "{node_url}"\n'
                f"seed = {self.seed}\n"
                f"skus = {self.skus}\n"
                f"rate_per_s = {self.rate_per_s}\n"
                f"zipf_exponent = {self.zipf_s}\n"
                f"burst_multiplier = {self.burst_multiplier}\n"
                f"burst_start_s = {self.burst_start_s}\n"
                f"burst_duration_s = {self.burst_duration_s}\n"
                f"duration_s = {self.duration_s}\n")

    def describe(self):
        return dataclasses.asdict(self)
