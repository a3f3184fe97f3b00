/*
 * opp_internal.h — the loaded configuration of opportunity/, shared by
 * config.c (which builds it from the data files) and generate.c (which reads
 * it).  Immutable after opp_config_load.
 */
#ifndef OPPGRAPH_OPP_INTERNAL_H
#define OPPGRAPH_OPP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "opportunity/opportunity.h"

typedef struct opp_strv {
  char **v;
  size_t n;
} opp_strv;

typedef struct opp_product {
  char *id, *name;
  double revenue_factor;
} opp_product;

typedef struct opp_rule {
  char *id, *event, *template;
  opp_strv subject_roles, amount_roles, date_roles;
  /* roles that tell two reports of this rule apart (counterparty, round,
   * project): reports whose values disagree are different events */
  opp_strv identity_roles;
  size_t *products; /* indices into opp_config.products */
  size_t nproducts;
  double revenue_factor; /* sum over its products */
  int expiry_days;
  /* conditions ("when"); absent = not checked */
  bool has_min, has_max;
  double min_amount, max_amount;
  char *has_role;
  char *maturity_role;
  int maturity_within_days;
  /* drop when the enterprise in this role is in the subject's group */
  char *group_check_role;
} opp_rule;

/* A tag-marketing rule (data/tags.json); conditions absent = not checked. */
typedef struct opp_tag_rule {
  char *id, *template;
  opp_strv tags_any, industry_prefix, region_prefix;
  double founded_within_days; /* 0 = not checked */
  int listed, client;         /* -1 = not checked, else 0 / 1 */
  double min_capital;         /* 0 = not checked */
  /* registered capital raised (Enterprise.previous_capital, capital_changed)
   * at most this many days ago, by at least min_capital_raise (relative);
   * 0 = not checked */
  double capital_raised_within_days, min_capital_raise;
  double weight;
  int expiry_days; /* after founding, with founded_within_days; 0 = never */
  size_t *products;
  size_t nproducts;
  double revenue_factor;
} opp_tag_rule;

typedef struct opp_risk_rule {
  char *event, *flag;
  opp_strv subject_roles;
} opp_risk_rule;

/* A risk flag's demotion: the fraction of the score it takes away. */
typedef struct opp_penalty {
  char *flag;
  double fraction;
} opp_penalty;

struct opp_config {
  opp_product *products;
  size_t nproducts;
  opp_rule *rules;
  size_t nrules;
  opp_tag_rule *tags;
  size_t ntags;
  opp_risk_rule *risks;
  size_t nrisks;
  opp_penalty *penalties;
  size_t npenalties;
  /* the flags of one opportunity together take at most this fraction */
  double risk_max_demotion;
  opp_strv subject_exclude;
  double scale, value_log_cap, p_client, p_prospect, p_related, default_amount;
  double min_amount, half_life_days, risk_window_days;
  /* risk contagion through the graph; hops 0 = off */
  double contagion_hops, contagion_decay, contagion_min_weight;
  /* 3x3 grid for enterprises founded within grid_new_days (0 = off):
   * tiers 低/中/高 cut at [0] and [1] */
  double grid_new_days, grid_value_cut[2], grid_prob_cut[2];
  /* RM feedback: Beta(prior_success, prior_failure) per type; 0 = off */
  double conv_prior_success, conv_prior_failure, conv_min, conv_max;
  /* low-performance warning in the funnel (opp_funnel_warning); 0 = off */
  double funnel_min_pushed, funnel_peer_fraction, funnel_min_peers;
  /* dedup of one real event: disclosure dates at most window_days apart,
   * amounts within amount_tolerance (relative) unless one is missing, texts
   * with SimHash distance <= simhash_max_distance are near-duplicates */
  double dedup_window_days, dedup_amount_tolerance, dedup_simhash_max;
  /* across one group, equal amounts of at least this many significant
   * digits are evidence of one deal (0 = off); an identity name the
   * registry does not know is tried without up to name_trim chars at its
   * end (an extractor's boundary: "新泰物流控股" for 新泰物流's 控股权) */
  double dedup_exact_digits, dedup_name_trim;
  /* equal amounts of at least this many significant digits are one event
   * even when identity roles disagree (0 = off) */
  double dedup_override_digits;
};

/* Demotion fraction of one flag (risk_demotion); 0 when not configured. */
double opp_penalty_of(const opp_config *cfg, const char *flag);
/* Demotion of a set of flags: the sum of their fractions, at most
 * risk_max_demotion. */
double opp_demotion_of(const opp_config *cfg, char *const *flags, size_t n);

#endif
