#include "keel/chaos/episode.h"

namespace keel::chaos {

EpisodeOutcome RunWithProcesses(const EpisodePlan& plan, const EpisodeOptions&) {
  EpisodeOutcome o;
  o.seed = plan.seed;
  o.processes = true;
  o.violations.push_back({"checker", "processes", "episodes with real processes are not built yet"});
  return o;
}

}  // namespace keel::chaos
