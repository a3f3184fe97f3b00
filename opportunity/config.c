/*
 * config.c — loading the product matrix (data/products.json) and the scoring
 * configuration (data/opportunity.json) with jansson into the immutable
 * opp_config of opp_internal.h.  The file formats are documented in the
 * files' own "_doc" entries.  Validation is strict: an unknown product id, a
 * missing field or a wrong type fails the load with a message naming the file,
 * the JSON path and the problem, because a silently ignored rule would mean
 * opportunities silently never generated.
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opportunity/opp_internal.h"

const char *opp_strerror(int err) {
  switch (err) {
  case OPP_OK:
    return "ok";
  case OPP_ENOMEM:
    return "out of memory";
  case OPP_ECONFIG:
    return "bad configuration file";
  case OPP_ESTORE:
    return "store access failed";
  case OPP_EINVAL:
    return "invalid argument";
  case OPP_ENOTFOUND:
    return "no such opportunity";
  case OPP_EPERM:
    return "the opportunity belongs to another RM";
  }
  return "unknown opportunity error";
}

typedef struct cfg_ctx {
  const char *file;
  char *err;
  size_t errlen;
} cfg_ctx;

static int cfg_fail(cfg_ctx *c, const char *fmt, ...) {
  if (c->err && c->errlen) {
    int n = snprintf(c->err, c->errlen, "%s: ", c->file);
    if (n >= 0 && (size_t)n < c->errlen) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
      va_end(ap);
    }
  }
  return OPP_ECONFIG;
}

static void strv_free(opp_strv *s) {
  for (size_t i = 0; i < s->n; i++)
    free(s->v[i]);
  free(s->v);
}

void opp_config_free(opp_config *cfg) {
  if (!cfg)
    return;
  for (size_t i = 0; i < cfg->nproducts; i++) {
    free(cfg->products[i].id);
    free(cfg->products[i].name);
  }
  free(cfg->products);
  for (size_t i = 0; i < cfg->nrules; i++) {
    opp_rule *r = &cfg->rules[i];
    free(r->id);
    free(r->event);
    free(r->template);
    strv_free(&r->subject_roles);
    strv_free(&r->amount_roles);
    strv_free(&r->date_roles);
    strv_free(&r->identity_roles);
    free(r->products);
    free(r->has_role);
    free(r->maturity_role);
    free(r->group_check_role);
  }
  free(cfg->rules);
  for (size_t i = 0; i < cfg->nrisks; i++) {
    free(cfg->risks[i].event);
    free(cfg->risks[i].flag);
    strv_free(&cfg->risks[i].subject_roles);
  }
  free(cfg->risks);
  for (size_t i = 0; i < cfg->ntags; i++) {
    opp_tag_rule *t = &cfg->tags[i];
    free(t->id);
    free(t->template);
    strv_free(&t->tags_any);
    strv_free(&t->industry_prefix);
    strv_free(&t->region_prefix);
    free(t->products);
  }
  free(cfg->tags);
  for (size_t i = 0; i < cfg->npenalties; i++)
    free(cfg->penalties[i].flag);
  free(cfg->penalties);
  strv_free(&cfg->subject_exclude);
  free(cfg);
}

size_t opp_config_rule_count(const opp_config *cfg) {
  return cfg ? cfg->nrules : 0;
}

const char *opp_config_product_id(const opp_config *cfg, const char *name) {
  for (size_t i = 0; i < cfg->nproducts; i++)
    if (!strcmp(cfg->products[i].name, name) ||
        !strcmp(cfg->products[i].id, name))
      return cfg->products[i].id;
  return NULL;
}

double opp_penalty_of(const opp_config *cfg, const char *flag) {
  for (size_t i = 0; i < cfg->npenalties; i++)
    if (!strcmp(cfg->penalties[i].flag, flag))
      return cfg->penalties[i].fraction;
  return 0;
}

double opp_demotion_of(const opp_config *cfg, char *const *flags, size_t n) {
  double d = 0;
  for (size_t i = 0; i < n; i++)
    d += opp_penalty_of(cfg, flags[i]);
  return fmin(d, cfg->risk_max_demotion);
}

/* Required (or optional, when req is false) string member; *out strdup'ed. */
static int get_str(cfg_ctx *c, json_t *o, const char *path, const char *key,
                   bool req, char **out) {
  json_t *v = json_object_get(o, key);
  *out = NULL;
  if (!v)
    return req ? cfg_fail(c, "%s: missing \"%s\"", path, key) : 0;
  if (!json_is_string(v) || !json_string_length(v))
    return cfg_fail(c, "%s: \"%s\" must be a non-empty string", path, key);
  if (!(*out = strdup(json_string_value(v))))
    return OPP_ENOMEM;
  return 0;
}

static int get_num(cfg_ctx *c, json_t *o, const char *path, const char *key,
                   bool req, double min, double *out) {
  json_t *v = json_object_get(o, key);
  if (!v)
    return req ? cfg_fail(c, "%s: missing \"%s\"", path, key) : 0;
  if (!json_is_number(v))
    return cfg_fail(c, "%s: \"%s\" must be a number", path, key);
  double d = json_number_value(v);
  if (d < min)
    return cfg_fail(c, "%s: \"%s\" is %g, must be at least %g", path, key, d,
                    min);
  *out = d;
  return 0;
}

static int get_strv(cfg_ctx *c, json_t *o, const char *path, const char *key,
                    opp_strv *out) {
  json_t *a = json_object_get(o, key);
  out->v = NULL;
  out->n = 0;
  if (!a)
    return 0;
  if (!json_is_array(a))
    return cfg_fail(c, "%s: \"%s\" must be an array of strings", path, key);
  out->v = calloc(json_array_size(a) + 1, sizeof *out->v);
  if (!out->v)
    return OPP_ENOMEM;
  size_t i;
  json_t *s;
  json_array_foreach(a, i, s) {
    if (!json_is_string(s) || !json_string_length(s))
      return cfg_fail(c, "%s: \"%s\"[%zu] must be a non-empty string", path,
                      key, i);
    if (!(out->v[out->n] = strdup(json_string_value(s))))
      return OPP_ENOMEM;
    out->n++;
  }
  return 0;
}

static json_t *load_json(cfg_ctx *c, const char *path, int *rc) {
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  if (!root) {
    *rc = je.line > 0 ? cfg_fail(c, "line %d, column %d: %s", je.line,
                                 je.column, je.text)
                      : cfg_fail(c, "%s", je.text);
    return NULL;
  }
  if (!json_is_object(root)) {
    json_decref(root);
    *rc = cfg_fail(c, "the top level must be a JSON object");
    return NULL;
  }
  *rc = 0;
  return root;
}

static int load_rule(cfg_ctx *c, opp_config *cfg, json_t *j, size_t idx,
                     opp_rule *r) {
  char path[48];
  snprintf(path, sizeof path, "rules[%zu]", idx);
  if (!json_is_object(j))
    return cfg_fail(c, "%s: must be an object", path);
  int rc;
  if ((rc = get_str(c, j, path, "event", true, &r->event)) ||
      (rc = get_str(c, j, path, "id", false, &r->id)) ||
      (rc = get_str(c, j, path, "template", true, &r->template)) ||
      (rc = get_strv(c, j, path, "subject_roles", &r->subject_roles)) ||
      (rc = get_strv(c, j, path, "amount_roles", &r->amount_roles)) ||
      (rc = get_strv(c, j, path, "date_roles", &r->date_roles)) ||
      (rc = get_strv(c, j, path, "identity_roles", &r->identity_roles)) ||
      (rc = get_str(c, j, path, "group_check_role", false,
                    &r->group_check_role)))
    return rc;
  if (!r->id && !(r->id = strdup(r->event)))
    return OPP_ENOMEM;
  double expiry = 0;
  if ((rc = get_num(c, j, path, "expiry_days", true, 1, &expiry)))
    return rc;
  r->expiry_days = (int)expiry;
  json_t *pa = json_object_get(j, "products");
  if (!json_is_array(pa) || !json_array_size(pa))
    return cfg_fail(
        c, "%s: \"products\" must be a non-empty array of product ids", path);
  r->products = calloc(json_array_size(pa), sizeof *r->products);
  if (!r->products)
    return OPP_ENOMEM;
  size_t i;
  json_t *p;
  json_array_foreach(pa, i, p) {
    const char *pid = json_string_value(p);
    size_t k = 0;
    while (pid && k < cfg->nproducts && strcmp(cfg->products[k].id, pid))
      k++;
    if (!pid || k == cfg->nproducts)
      return cfg_fail(c, "%s: product '%s' is not in products", path,
                      pid ? pid : "(not a string)");
    r->products[r->nproducts++] = k;
    r->revenue_factor += cfg->products[k].revenue_factor;
  }
  json_t *w = json_object_get(j, "when");
  if (w) {
    char wpath[64];
    snprintf(wpath, sizeof wpath, "%s.when", path);
    if (!json_is_object(w))
      return cfg_fail(c, "%s: must be an object", wpath);
    const char *key;
    json_t *v;
    json_object_foreach(w, key, v) {
      if (strcmp(key, "min_amount") && strcmp(key, "max_amount") &&
          strcmp(key, "has_role") && strcmp(key, "maturity_role") &&
          strcmp(key, "maturity_within_days"))
        return cfg_fail(c, "%s: unknown condition \"%s\"", wpath, key);
    }
    r->has_min = json_object_get(w, "min_amount") != NULL;
    r->has_max = json_object_get(w, "max_amount") != NULL;
    double days = -1;
    if ((rc = get_num(c, w, wpath, "min_amount", false, 0, &r->min_amount)) ||
        (rc = get_num(c, w, wpath, "max_amount", false, 0, &r->max_amount)) ||
        (rc = get_str(c, w, wpath, "has_role", false, &r->has_role)) ||
        (rc =
             get_str(c, w, wpath, "maturity_role", false, &r->maturity_role)) ||
        (rc = get_num(c, w, wpath, "maturity_within_days", false, 0, &days)))
      return rc;
    if (!r->maturity_role != (days < 0))
      return cfg_fail(
          c, "%s: maturity_role and maturity_within_days go together", wpath);
    r->maturity_within_days = (int)days;
  }
  return 0;
}

static int load_products(cfg_ctx *c, opp_config *cfg, json_t *root) {
  json_t *prods = json_object_get(root, "products");
  if (!json_is_object(prods) || !json_object_size(prods))
    return cfg_fail(c, "\"products\" must be a non-empty object of id -> "
                       "{name, revenue_factor}");
  cfg->products = calloc(json_object_size(prods), sizeof *cfg->products);
  if (!cfg->products)
    return OPP_ENOMEM;
  const char *key;
  json_t *v;
  int rc;
  json_object_foreach(prods, key, v) {
    char path[160];
    snprintf(path, sizeof path, "products.%s", key);
    if (!json_is_object(v))
      return cfg_fail(c, "%s: must be an object", path);
    opp_product *p = &cfg->products[cfg->nproducts++];
    if (!(p->id = strdup(key)))
      return OPP_ENOMEM;
    if ((rc = get_str(c, v, path, "name", true, &p->name)) ||
        (rc = get_num(c, v, path, "revenue_factor", true, 0,
                      &p->revenue_factor)))
      return rc;
  }
  json_t *rules = json_object_get(root, "rules");
  if (!json_is_array(rules) || !json_array_size(rules))
    return cfg_fail(c, "\"rules\" must be a non-empty array");
  cfg->rules = calloc(json_array_size(rules), sizeof *cfg->rules);
  if (!cfg->rules)
    return OPP_ENOMEM;
  size_t i;
  json_array_foreach(rules, i, v) {
    if ((rc = load_rule(c, cfg, v, i, &cfg->rules[cfg->nrules++])))
      return rc;
    for (size_t k = 0; k + 1 < cfg->nrules; k++)
      if (!strcmp(cfg->rules[k].id, cfg->rules[i].id) &&
          !strcmp(cfg->rules[k].event, cfg->rules[i].event))
        return cfg_fail(c, "rules[%zu]: id '%s' is already used by rules[%zu]",
                        i, cfg->rules[i].id, k);
  }
  json_t *risks = json_object_get(root, "risk_events");
  if (risks && !json_is_array(risks))
    return cfg_fail(c, "\"risk_events\" must be an array");
  cfg->risks = calloc(json_array_size(risks) + 1, sizeof *cfg->risks);
  if (!cfg->risks)
    return OPP_ENOMEM;
  json_array_foreach(risks, i, v) {
    char path[48];
    snprintf(path, sizeof path, "risk_events[%zu]", i);
    if (!json_is_object(v))
      return cfg_fail(c, "%s: must be an object", path);
    opp_risk_rule *r = &cfg->risks[cfg->nrisks++];
    if ((rc = get_str(c, v, path, "event", true, &r->event)) ||
        (rc = get_str(c, v, path, "flag", true, &r->flag)) ||
        (rc = get_strv(c, v, path, "subject_roles", &r->subject_roles)))
      return rc;
    for (size_t k = 0; k < cfg->nrules; k++)
      if (!strcmp(cfg->rules[k].event, r->event))
        return cfg_fail(c,
                        "%s: event '%s' has product rules too (rules[%zu]); "
                        "a risk event type must not",
                        path, r->event, k);
  }
  return 0;
}

static int load_scoring(cfg_ctx *c, opp_config *cfg, json_t *root) {
  json_t *s = json_object_get(root, "score");
  if (!json_is_object(s))
    return cfg_fail(c, "missing object \"score\"");
  int rc;
  if ((rc = get_num(c, s, "score", "scale", true, 0, &cfg->scale)) ||
      (rc = get_num(c, s, "score", "value_log_cap", true, 1e-9,
                    &cfg->value_log_cap)) ||
      (rc = get_num(c, s, "score", "p_client", true, 0, &cfg->p_client)) ||
      (rc = get_num(c, s, "score", "p_prospect", true, 0, &cfg->p_prospect)) ||
      (rc = get_num(c, s, "score", "default_amount", true, 0,
                    &cfg->default_amount)) ||
      (rc = get_num(c, root, "top level", "min_amount", true, 0,
                    &cfg->min_amount)) ||
      (rc = get_num(c, root, "top level", "half_life_days", true, 1e-9,
                    &cfg->half_life_days)) ||
      (rc = get_num(c, root, "top level", "risk_window_days", true, 0,
                    &cfg->risk_window_days)) ||
      (rc = get_strv(c, root, "top level", "subject_name_exclude",
                     &cfg->subject_exclude)))
    return rc;
  cfg->p_related = cfg->p_prospect;
  if ((rc = get_num(c, s, "score", "p_related", false, 0, &cfg->p_related)))
    return rc;
  json_t *cv = json_object_get(root, "feedback");
  if (cv) {
    if (!json_is_object(cv))
      return cfg_fail(c, "\"feedback\" must be {prior_success, prior_failure, "
                         "min_factor, max_factor}");
    if ((rc = get_num(c, cv, "feedback", "prior_success", true, 1e-9,
                      &cfg->conv_prior_success)) ||
        (rc = get_num(c, cv, "feedback", "prior_failure", true, 1e-9,
                      &cfg->conv_prior_failure)) ||
        (rc = get_num(c, cv, "feedback", "min_factor", true, 0,
                      &cfg->conv_min)) ||
        (rc =
             get_num(c, cv, "feedback", "max_factor", true, 0, &cfg->conv_max)))
      return rc;
    if (cfg->conv_min > 1 || cfg->conv_max < 1)
      return cfg_fail(c, "feedback: min_factor must be <= 1 <= max_factor");
  }
  json_t *fw = json_object_get(root, "funnel_warning");
  if (fw) {
    if (!json_is_object(fw))
      return cfg_fail(c, "\"funnel_warning\" must be {min_pushed, "
                         "peer_fraction, min_peers}");
    if ((rc = get_num(c, fw, "funnel_warning", "min_pushed", true, 1,
                      &cfg->funnel_min_pushed)) ||
        (rc = get_num(c, fw, "funnel_warning", "peer_fraction", true, 0,
                      &cfg->funnel_peer_fraction)) ||
        (rc = get_num(c, fw, "funnel_warning", "min_peers", true, 1,
                      &cfg->funnel_min_peers)))
      return rc;
    if (cfg->funnel_peer_fraction > 1)
      return cfg_fail(c, "funnel_warning: peer_fraction must be <= 1");
  }
  json_t *grid = json_object_get(root, "new_enterprise_grid");
  if (grid) {
    json_t *vc = json_object_get(grid, "value_cuts"),
           *pc = json_object_get(grid, "probability_cuts");
    if (!json_is_object(grid) || json_array_size(vc) != 2 ||
        json_array_size(pc) != 2 || !json_is_number(json_array_get(vc, 0)) ||
        !json_is_number(json_array_get(vc, 1)) ||
        !json_is_number(json_array_get(pc, 0)) ||
        !json_is_number(json_array_get(pc, 1)))
      return cfg_fail(c,
                      "\"new_enterprise_grid\" must be {founded_within_days, "
                      "value_cuts: [low, high], probability_cuts: [low, "
                      "high]}");
    if ((rc = get_num(c, grid, "new_enterprise_grid", "founded_within_days",
                      true, 0, &cfg->grid_new_days)))
      return rc;
    for (int i = 0; i < 2; i++) {
      cfg->grid_value_cut[i] = json_number_value(json_array_get(vc, i));
      cfg->grid_prob_cut[i] = json_number_value(json_array_get(pc, i));
    }
  }
  cfg->dedup_window_days = 31;
  cfg->dedup_amount_tolerance = 0.05;
  cfg->dedup_simhash_max = 3;
  json_t *dd = json_object_get(root, "dedup");
  if (dd) {
    if (!json_is_object(dd))
      return cfg_fail(c, "\"dedup\" must be an object {window_days, "
                         "amount_tolerance, simhash_max_distance, "
                         "exact_amount_digits, name_trim_chars, "
                         "identity_override_digits}");
    if ((rc = get_num(c, dd, "dedup", "window_days", false, 0,
                      &cfg->dedup_window_days)) ||
        (rc = get_num(c, dd, "dedup", "amount_tolerance", false, 0,
                      &cfg->dedup_amount_tolerance)) ||
        (rc = get_num(c, dd, "dedup", "simhash_max_distance", false, 0,
                      &cfg->dedup_simhash_max)) ||
        (rc = get_num(c, dd, "dedup", "exact_amount_digits", false, 0,
                      &cfg->dedup_exact_digits)) ||
        (rc = get_num(c, dd, "dedup", "name_trim_chars", false, 0,
                      &cfg->dedup_name_trim)) ||
        (rc = get_num(c, dd, "dedup", "identity_override_digits", false, 0,
                      &cfg->dedup_override_digits)))
      return rc;
    if (cfg->dedup_simhash_max > 64)
      return cfg_fail(c, "dedup: simhash_max_distance is a bit count (0..64)");
  }
  json_t *cg = json_object_get(root, "contagion");
  if (cg) {
    if (!json_is_object(cg))
      return cfg_fail(c, "\"contagion\" must be an object {hops, decay, "
                         "min_weight}");
    if ((rc = get_num(c, cg, "contagion", "hops", true, 0,
                      &cfg->contagion_hops)) ||
        (rc = get_num(c, cg, "contagion", "decay", true, 1e-9,
                      &cfg->contagion_decay)) ||
        (rc = get_num(c, cg, "contagion", "min_weight", true, 0,
                      &cfg->contagion_min_weight)))
      return rc;
    if (cfg->contagion_decay > 1)
      return cfg_fail(c, "contagion: decay is a factor per hop (0..1]");
  }
  if (cfg->p_client > 1 || cfg->p_prospect > 1 || cfg->p_related > 1)
    return cfg_fail(c, "score: p_client, p_prospect and p_related are "
                       "probabilities (0..1)");
  /* risk demotes by a fraction of the score, never to below zero: a
   * flagged client's large deal stays in view, marked (risk is a flag and a
   * moderate demotion, not a burial under points subtracted) */
  if (json_object_get(root, "risk_penalties"))
    return cfg_fail(c, "\"risk_penalties\" (points) was replaced by "
                       "\"risk_demotion\" (flag -> fraction of the score, "
                       "0..1) and \"risk_max_demotion\"");
  json_t *pen = json_object_get(root, "risk_demotion");
  if (pen && !json_is_object(pen))
    return cfg_fail(c, "\"risk_demotion\" must be an object flag -> "
                       "fraction of the score (0..1)");
  cfg->risk_max_demotion = 0.5;
  if ((rc = get_num(c, root, "top level", "risk_max_demotion", false,
                    0, &cfg->risk_max_demotion)))
    return rc;
  if (cfg->risk_max_demotion > 1)
    return cfg_fail(c, "risk_max_demotion: a fraction of the score (0..1)");
  cfg->penalties = calloc(json_object_size(pen) + 1, sizeof *cfg->penalties);
  if (!cfg->penalties)
    return OPP_ENOMEM;
  const char *key;
  json_t *v;
  json_object_foreach(pen, key, v) {
    if (!json_is_number(v) || json_number_value(v) < 0 ||
        json_number_value(v) > 1)
      return cfg_fail(c, "risk_demotion.%s: must be a fraction 0..1", key);
    opp_penalty *p = &cfg->penalties[cfg->npenalties++];
    if (!(p->flag = strdup(key)))
      return OPP_ENOMEM;
    p->fraction = json_number_value(v);
  }
  return 0;
}

static int get_bool3(cfg_ctx *c, json_t *o, const char *path,
                     const char *key, int *out) {
  json_t *v = json_object_get(o, key);
  *out = -1;
  if (!v)
    return 0;
  if (!json_is_boolean(v))
    return cfg_fail(c, "%s: \"%s\" must be true or false", path, key);
  *out = json_is_true(v);
  return 0;
}

/* data/tags.json (optional: without it there is no tag marketing). */
static int load_tags(cfg_ctx *c, opp_config *cfg, json_t *root) {
  json_t *rules = json_object_get(root, "rules");
  if (!json_is_array(rules))
    return cfg_fail(c, "\"rules\" must be an array");
  cfg->tags = calloc(json_array_size(rules) + 1, sizeof *cfg->tags);
  if (!cfg->tags)
    return OPP_ENOMEM;
  size_t i;
  json_t *j;
  int rc;
  json_array_foreach(rules, i, j) {
    char path[48];
    snprintf(path, sizeof path, "rules[%zu]", i);
    if (!json_is_object(j))
      return cfg_fail(c, "%s: must be an object", path);
    opp_tag_rule *t = &cfg->tags[cfg->ntags++];
    double expiry = 0;
    t->weight = 1;
    if ((rc = get_str(c, j, path, "id", true, &t->id)) ||
        (rc = get_str(c, j, path, "template", true, &t->template)) ||
        (rc = get_strv(c, j, path, "tags_any", &t->tags_any)) ||
        (rc = get_strv(c, j, path, "industry_prefix", &t->industry_prefix)) ||
        (rc = get_strv(c, j, path, "region_prefix", &t->region_prefix)) ||
        (rc = get_num(c, j, path, "founded_within_days", false, 1,
                      &t->founded_within_days)) ||
        (rc = get_num(c, j, path, "min_capital", false, 0, &t->min_capital)) ||
        (rc = get_num(c, j, path, "capital_raised_within_days", false, 1,
                      &t->capital_raised_within_days)) ||
        (rc = get_num(c, j, path, "min_capital_raise", false, 0,
                      &t->min_capital_raise)) ||
        (rc = get_num(c, j, path, "weight", false, 0, &t->weight)) ||
        (rc = get_num(c, j, path, "expiry_days", false, 1, &expiry)) ||
        (rc = get_bool3(c, j, path, "listed", &t->listed)) ||
        (rc = get_bool3(c, j, path, "client", &t->client)))
      return rc;
    t->expiry_days = (int)expiry;
    for (size_t k = 0; k + 1 < cfg->ntags; k++)
      if (!strcmp(cfg->tags[k].id, t->id))
        return cfg_fail(c, "%s: id '%s' is already used by rules[%zu]", path,
                        t->id, k);
    json_t *pa = json_object_get(j, "products");
    if (!json_is_array(pa) || !json_array_size(pa))
      return cfg_fail(c, "%s: \"products\" must be a non-empty array of "
                         "product ids of products.json", path);
    if (!(t->products = calloc(json_array_size(pa), sizeof *t->products)))
      return OPP_ENOMEM;
    size_t k;
    json_t *pv;
    json_array_foreach(pa, k, pv) {
      const char *id = json_string_value(pv);
      size_t m = 0;
      while (id && m < cfg->nproducts && strcmp(cfg->products[m].id, id))
        m++;
      if (!id || m == cfg->nproducts)
        return cfg_fail(c, "%s: product '%s' is not in products.json", path,
                        id ? id : "(not a string)");
      t->products[t->nproducts++] = m;
      t->revenue_factor += cfg->products[m].revenue_factor;
    }
  }
  return 0;
}

int opp_config_load(const char *data_dir, opp_config **out, char *err,
                    size_t errlen) {
  if (err && errlen)
    err[0] = '\0';
  if (!data_dir || !out)
    return OPP_EINVAL;
  *out = NULL;
  opp_config *cfg = calloc(1, sizeof *cfg);
  if (!cfg)
    return OPP_ENOMEM;
  char path[4096];
  cfg_ctx c = {path, err, errlen};
  int rc;
  snprintf(path, sizeof path, "%s/products.json", data_dir);
  json_t *root = load_json(&c, path, &rc);
  if (root) {
    rc = load_products(&c, cfg, root);
    json_decref(root);
  }
  if (!rc) {
    snprintf(path, sizeof path, "%s/opportunity.json", data_dir);
    root = load_json(&c, path, &rc);
    if (root) {
      rc = load_scoring(&c, cfg, root);
      json_decref(root);
    }
  }
  if (!rc) {
    snprintf(path, sizeof path, "%s/tags.json", data_dir);
    FILE *probe = fopen(path, "r");
    if (probe) {
      fclose(probe);
      root = load_json(&c, path, &rc);
      if (root) {
        rc = load_tags(&c, cfg, root);
        json_decref(root);
      }
    }
  }
  if (rc) {
    if (rc == OPP_ENOMEM)
      cfg_fail(&c, "out of memory");
    opp_config_free(cfg);
    return rc;
  }
  *out = cfg;
  return 0;
}
