#pragma once
// What the two ways of running an episode share: a directory of its own, the judgement from the
// exchange's ground truth and the store, and the evidence a failing episode leaves beside its seed.
#include <functional>
#include <string>

#include "keel/chaos/episode.h"
#include "keel/chaos/ground_truth.h"
#include "keel/store/state_store.h"

namespace keel::chaos {

// Checks the episode: parses the ground truth, reads the store and appends every violation, the
// recovery figures and the positions the signals opened to outcome.
void JudgeEpisode(const std::string& truth_json, StateStore& store, const CheckInput& input, TimeMs now,
                  EpisodeOutcome& outcome);

// What the grid did (its signals and orders in the store), into outcome.grid.
void CountGrid(StateStore& store, const GridConfig& grid, EpisodeOutcome& outcome);

// plan.txt, ground-truth.json, violations.txt and a timeline per symbol in dir (the store, the
// logs are there already); marks the outcome kept.
void WriteEvidence(const std::string& dir, const EpisodePlan& plan, const std::string& truth_json, StateStore& store,
                   EpisodeOutcome& outcome);

// The control command for an exchange-side act (FaultClass::kExchangeAct) on what keel has on the
// exchange now, as its ground truth shows it: a resting order of the fault's symbol (or of any), a
// position of the symbol (or of any). Empty when there is nothing to act on.
std::string ExchangeActCommand(const PlannedFault& fault, const GroundTruth& truth);

// Plays an episode (play: the runner) in a fresh directory under $TMPDIR (or /tmp) for its store,
// logs and evidence; then moves a failing episode's directory to options.keep_dir/seed-N (or says
// why it could not), and removes it otherwise.
EpisodeOutcome PlayInEpisodeDir(const EpisodePlan& plan, const EpisodeOptions& options,
                                const std::function<EpisodeOutcome(const std::string& dir)>& play);

}  // namespace keel::chaos
