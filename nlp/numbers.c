/*
 * numbers.c — amounts, share counts, percentages and dates as written in
 * Chinese announcements, turned into numbers and ISO dates.
 *
 * Every parser first copies its (short) input into a folded buffer:
 * full-width ASCII becomes ASCII (so "３，５００" is "3,500"), ASCII letters
 * are upper-cased (currency codes), zero-width characters go and white space
 * is dropped (dates keep one space, for a trailing time of day).
 *
 * One number core serves all of them.  It reads Arabic numbers (thousands
 * separators, decimals) and Chinese numerals (零〇一二两…九, financial forms
 * 壹贰…玖拾佰仟, 点 for decimals) and the multipliers 十百千万亿 in any mix
 * ("1亿2000万", "3千万", "零点五亿", "一千二百三十四万五千六百七十八"), with
 * the usual three accumulators: below 万 (section), 万 level, 亿 level.
 *
 * The words around the number — hedges such as 约 / 不超过 / 不低于,
 * currency names and ISO codes, 左右 / 以上 — are grammar, not domain data,
 * so they are tables here rather than files under data/.
 *
 * Amounts are strict: everything in the phrase must be understood, because
 * a unit left over changes the value.  Dates are lenient after a complete
 * date: "2020年3月5日召开" gives 2020-03-05, but a digit right after the
 * date is an error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/nlp.h"
#include "nlp/nlp_internal.h"

#define NUM_MAX_IN 512 /* longer phrases are not a single amount or date */

typedef struct cursor {
  char b[NUM_MAX_IN + 1];
  size_t n, i;
} cursor;

/* Folds s into c->b (see file comment).  keep_space keeps one ' ' for a run
 * of white space instead of dropping it. */
static int fold_input(cursor *c, const char *s, size_t len, bool keep_space) {
  if (len > NUM_MAX_IN) return NLP_EINVAL;
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0, o = 0;
  while (i < len) {
    uint32_t cp;
    size_t n = nlp_utf8_decode_strict(u + i, len - i, &cp);
    if (n == 0) return NLP_EINVAL;
    i += n;
    cp = nlp_fold_fullwidth(cp);
    if (nlp_is_zerowidth(cp)) continue;
    if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' ||
        nlp_is_uspace(cp)) {
      if (keep_space && o > 0 && c->b[o - 1] != ' ') c->b[o++] = ' ';
      continue;
    }
    if (cp >= 'a' && cp <= 'z') cp -= 32;
    o += nlp_utf8_encode(cp, c->b + o);
  }
  while (o > 0 && c->b[o - 1] == ' ') o--;
  c->b[o] = '\0';
  c->n = o;
  c->i = 0;
  return NLP_OK;
}

static bool at_end(const cursor *c) { return c->i >= c->n; }

static bool eat(cursor *c, const char *lit) {
  size_t n = strlen(lit);
  if (c->n - c->i < n || memcmp(c->b + c->i, lit, n) != 0) return false;
  c->i += n;
  return true;
}

/* Eats the longest of words[0..n) at the cursor; returns its index or -1.
 * A word whose first byte differs is passed over before its length is
 * taken: the word lists are long (hedges, 50 currency names) and are tried
 * at every step of an amount, which made parsing one amount cost ~9,000
 * instructions.  (c->b is NUL-terminated and no word is empty, so the
 * first-byte test is safe at the end of the input.) */
static int eat_longest(cursor *c, const char *const *words, size_t n) {
  int best = -1;
  size_t blen = 0;
  for (size_t k = 0; k < n; k++) {
    if (words[k][0] != c->b[c->i])
      continue;
    size_t l = strlen(words[k]);
    if (l > blen && c->n - c->i >= l && memcmp(c->b + c->i, words[k], l) == 0) {
      best = (int)k;
      blen = l;
    }
  }
  if (best >= 0) c->i += blen;
  return best;
}

static uint32_t peek_cp(const cursor *c, size_t *len) {
  uint32_t cp = 0;
  *len = nlp_utf8_decode_strict((const unsigned char *)c->b + c->i,
                                c->n - c->i, &cp);
  return *len ? cp : 0;
}

/* ---- the number core ----------------------------------------------------- */

static int cn_digit(uint32_t cp) {
  switch (cp) {
  case 0x96F6: /* 零 */
  case 0x3007: /* 〇 */ return 0;
  case 0x4E00: /* 一 */
  case 0x58F9: /* 壹 */
  case 0x5E7A: /* 幺 */ return 1;
  case 0x4E8C: /* 二 */
  case 0x8D30: /* 贰 */
  case 0x4E24: /* 两 */ return 2;
  case 0x4E09: /* 三 */
  case 0x53C1: /* 叁 */ return 3;
  case 0x56DB: /* 四 */
  case 0x8086: /* 肆 */ return 4;
  case 0x4E94: /* 五 */
  case 0x4F0D: /* 伍 */ return 5;
  case 0x516D: /* 六 */
  case 0x9646: /* 陆 */ return 6;
  case 0x4E03: /* 七 */
  case 0x67D2: /* 柒 */ return 7;
  case 0x516B: /* 八 */
  case 0x634C: /* 捌 */ return 8;
  case 0x4E5D: /* 九 */
  case 0x7396: /* 玖 */ return 9;
  default: return -1;
  }
}

static double cn_unit(uint32_t cp) {
  switch (cp) {
  case 0x5341: /* 十 */
  case 0x62FE: /* 拾 */ return 10;
  case 0x767E: /* 百 */
  case 0x4F70: /* 佰 */ return 100;
  case 0x5343: /* 千 */
  case 0x4EDF: /* 仟 */ return 1000;
  case 0x4E07: /* 万 */
  case 0x842C: /* 萬 */ return 1e4;
  case 0x4EBF: /* 亿 */
  case 0x5104: /* 億 */ return 1e8;
  default: return 0;
  }
}

#define CP_DIAN 0x70B9 /* 点 */
#define CP_YU 0x4F59   /* 余 */
#define CP_DUO 0x591A  /* 多 */

typedef struct num_info {
  bool has_unit;      /* a multiplier 十百千万亿 was applied */
  double last_scale;  /* product of the trailing multipliers ("千万" = 1e7) */
  int digits;         /* digit characters read */
} num_info;

/* Arabic number with optional thousands separators and decimals. */
static bool read_arabic(cursor *c, double *v, int *ndig) {
  char tmp[64];
  size_t t = 0, i = c->i;
  const char *b = c->b;
  if (i >= c->n || b[i] < '0' || b[i] > '9') return false;
  while (i < c->n && t < sizeof tmp - 2) {
    if (b[i] >= '0' && b[i] <= '9') {
      tmp[t++] = b[i++];
    } else if (b[i] == ',' && i + 3 < c->n && b[i + 1] >= '0' &&
               b[i + 1] <= '9' && b[i + 2] >= '0' && b[i + 2] <= '9' &&
               b[i + 3] >= '0' && b[i + 3] <= '9' &&
               (i + 4 >= c->n || b[i + 4] < '0' || b[i + 4] > '9')) {
      i++; /* a thousands separator: exactly three digits follow */
    } else {
      break;
    }
  }
  *ndig = (int)t;
  if (i + 1 < c->n && b[i] == '.' && b[i + 1] >= '0' && b[i + 1] <= '9') {
    tmp[t++] = b[i++];
    while (i < c->n && b[i] >= '0' && b[i] <= '9' && t < sizeof tmp - 1)
      tmp[t++] = b[i++];
  }
  tmp[t] = '\0';
  *v = strtod(tmp, NULL);
  c->i = i;
  return true;
}

/* Reads one number with its multipliers.  allow_approx lets 余/多 stand
 * between the number and its unit ("1000余万"). */
static bool read_number(cursor *c, double *out, num_info *info,
                        bool allow_approx) {
  double total = 0, wan = 0, section = 0, cur = 0;
  bool have_cur = false, prev_digit = false, prev_unit = false, any = false;
  size_t start = c->i;
  *info = (num_info){.last_scale = 1};
  while (!at_end(c)) {
    size_t n;
    double v = 0;
    int nd = 0;
    char ch = c->b[c->i];
    if (ch >= '0' && ch <= '9') {
      if (have_cur) break; /* two numbers in a row: not ours */
      read_arabic(c, &v, &nd);
      cur = v;
      have_cur = true;
      any = true;
      info->digits += nd;
      prev_digit = false; /* no digit concatenation across scripts */
      prev_unit = false;
      continue;
    }
    uint32_t cp = peek_cp(c, &n);
    if (n == 0) break;
    int dg = cn_digit(cp);
    double un = cn_unit(cp);
    if (dg >= 0) {
      if (have_cur && !prev_digit) break;
      /* "二〇二〇" and "一百零五": consecutive digits concatenate */
      cur = have_cur ? cur * 10 + dg : dg;
      have_cur = prev_digit = any = true;
      prev_unit = false;
      info->digits++;
      c->i += n;
    } else if (cp == CP_DIAN && have_cur) {
      size_t save = c->i;
      c->i += n;
      double frac = 0, scale = 0.1;
      bool got = false;
      for (;;) {
        uint32_t cp2 = peek_cp(c, &n);
        int d2 = n ? cn_digit(cp2) : -1;
        if (d2 < 0) break;
        frac += d2 * scale;
        scale /= 10;
        got = true;
        c->i += n;
      }
      if (!got) {
        c->i = save;
        break;
      }
      cur += frac;
      prev_digit = false;
    } else if (un > 0) {
      if (un < 1e4) {
        /* "十五" needs no leading digit; "百万" without one is not a number */
        if (!have_cur && un != 10) break;
        section += (have_cur ? cur : 1) * un;
      } else {
        if (!any) break; /* "万元" alone */
        if (un == 1e4) {
          wan += (section + cur) * un;
        } else {
          total = (total + wan + section + cur) * un;
          wan = 0;
        }
        section = 0;
      }
      info->last_scale = prev_unit ? info->last_scale * un : un;
      info->has_unit = true;
      cur = 0;
      have_cur = prev_digit = false;
      prev_unit = true;
      any = true;
      c->i += n;
    } else if (allow_approx && (cp == CP_YU || cp == CP_DUO) && any) {
      c->i += n;
    } else {
      break;
    }
  }
  if (!any || (info->digits == 0 && !info->has_unit)) {
    c->i = start;
    return false;
  }
  *out = total + wan + section + cur;
  return true;
}

/* ---- amounts ------------------------------------------------------------- */

static const char *const hedges[] = {
    "约",   "大约", "近",     "逾",     "超",     "超过",   "不超过", "不低于",
    "不少于", "不高于", "不多于", "最高",   "最低",   "最多",   "至少",   "高达",
    "达",   "合计", "共计",   "总计",   "累计",   "共",     "计",     "总额",
    "金额", "总金额", "价款",   "为",     ":",      "折合",   "预计",   "约为",
    "分别为", "上限为", "下限为", "最高不超过"};

static const char *const tails[] = {"左右", "以上", "以下", "以内", "上下",
                                    "余",   "多",   "整",   "(含)", "含",
                                    "等值"};

static const struct {
  const char *word, *iso;
} currencies[] = {
    {"人民币", "CNY"},   {"RMB", "CNY"},      {"CNY", "CNY"},
    {"￥", "CNY"},       {"¥", "CNY"},        {"元", "CNY"},
    {"美元", "USD"},     {"美金", "USD"},     {"USD", "USD"},
    {"US$", "USD"},      {"$", "USD"},        {"港元", "HKD"},
    {"港币", "HKD"},     {"HKD", "HKD"},      {"HK$", "HKD"},
    {"欧元", "EUR"},     {"EUR", "EUR"},      {"€", "EUR"},
    {"日元", "JPY"},     {"日圆", "JPY"},     {"JPY", "JPY"},
    {"英镑", "GBP"},     {"GBP", "GBP"},      {"£", "GBP"},
    {"澳元", "AUD"},     {"澳大利亚元", "AUD"}, {"AUD", "AUD"},
    {"加元", "CAD"},     {"加拿大元", "CAD"}, {"CAD", "CAD"},
    {"新加坡元", "SGD"}, {"新元", "SGD"},     {"SGD", "SGD"},
    {"瑞士法郎", "CHF"}, {"瑞郎", "CHF"},     {"CHF", "CHF"},
    {"韩元", "KRW"},     {"KRW", "KRW"},      {"新台币", "TWD"},
    {"TWD", "TWD"},      {"澳门元", "MOP"},   {"澳门币", "MOP"},
    {"MOP", "MOP"},      {"卢布", "RUB"},     {"RUB", "RUB"},
    {"泰铢", "THB"},     {"林吉特", "MYR"},   {"印度卢比", "INR"},
};
#define NCUR (sizeof currencies / sizeof currencies[0])

/* Eats a currency word; sets *iso.  "元" alone only confirms CNY. */
static int eat_currency(cursor *c, const char **iso, bool *explicit_) {
  const char *words[NCUR];
  for (size_t k = 0; k < NCUR; k++) words[k] = currencies[k].word;
  int k = eat_longest(c, words, NCUR);
  if (k < 0) return 0;
  const char *code = currencies[k].iso;
  bool is_yuan = strcmp(currencies[k].word, "元") == 0;
  if (*iso && strcmp(*iso, code) != 0) {
    /* "人民币…美元" is contradictory; a bare 元 after another currency name
     * ("港币…元") is not */
    if (is_yuan && *explicit_) return 1;
    if (!is_yuan && !*explicit_) {
      *iso = code;
      *explicit_ = true;
      return 1;
    }
    return -1;
  }
  if (!*iso) *iso = code;
  if (!is_yuan) *explicit_ = true;
  return 1;
}

typedef struct amount {
  double value;
  num_info info;
  const char *iso;
  bool explicit_cur;
} amount;

/* prefix words, sign, number, currency, tail words */
static int read_amount(cursor *c, amount *a) {
  a->iso = NULL;
  a->explicit_cur = false;
  bool neg = false;
  for (;;) {
    if (eat_longest(c, hedges, sizeof hedges / sizeof hedges[0]) >= 0)
      continue;
    int r = eat_currency(c, &a->iso, &a->explicit_cur);
    if (r < 0) return NLP_EINVAL;
    if (r > 0) continue;
    break;
  }
  if (eat(c, "-") || eat(c, "负")) neg = true;
  if (!read_number(c, &a->value, &a->info, true)) return NLP_EINVAL;
  for (;;) {
    int r = eat_currency(c, &a->iso, &a->explicit_cur);
    if (r < 0) return NLP_EINVAL;
    if (r > 0) continue;
    if (eat_longest(c, tails, sizeof tails / sizeof tails[0]) >= 0) continue;
    break;
  }
  if (neg) a->value = -a->value;
  return NLP_OK;
}

static const char *const range_seps[] = {"至", "到", "-", "~", "〜", "—", "–",
                                         "—"};

int nlp_parse_amount_range(const char *s, size_t len, double *lo, double *hi,
                           char currency[4]) {
  cursor c;
  if (fold_input(&c, s, len, false) != NLP_OK) return NLP_EINVAL;
  amount a, b;
  if (read_amount(&c, &a) != NLP_OK) return NLP_EINVAL;
  b = a;
  if (!at_end(&c)) {
    if (eat_longest(&c, range_seps, sizeof range_seps / sizeof range_seps[0]) <
        0)
      return NLP_EINVAL;
    if (read_amount(&c, &b) != NLP_OK || !at_end(&c)) return NLP_EINVAL;
    /* "1-2亿元": the first bound borrows the second's unit and currency */
    if (!a.info.has_unit && b.info.has_unit) a.value *= b.info.last_scale;
    if (!a.iso) a.iso = b.iso;
    if (!b.iso) b.iso = a.iso;
    if (strcmp(a.iso ? a.iso : "CNY", b.iso ? b.iso : "CNY") != 0)
      return NLP_EINVAL;
  }
  double x = a.value, y = b.value;
  if (x > y) {
    double t = x;
    x = y;
    y = t;
  }
  if (!isfinite(x) || !isfinite(y)) return NLP_EINVAL;
  *lo = x;
  if (hi) *hi = y;
  if (currency) memcpy(currency, a.iso ? a.iso : "CNY", 4);
  return NLP_OK;
}

int nlp_parse_amount(const char *s, size_t len, double *value,
                     char currency[4]) {
  return nlp_parse_amount_range(s, len, value, NULL, currency);
}

int nlp_parse_shares(const char *s, size_t len, double *shares) {
  cursor c;
  if (fold_input(&c, s, len, false) != NLP_OK) return NLP_EINVAL;
  while (eat_longest(&c, hedges, sizeof hedges / sizeof hedges[0]) >= 0) {
  }
  num_info info;
  double v;
  if (!read_number(&c, &v, &info, true)) return NLP_EINVAL;
  if (!eat(&c, "股")) return NLP_EINVAL;
  eat(&c, "份");
  while (eat_longest(&c, tails, sizeof tails / sizeof tails[0]) >= 0) {
  }
  if (!at_end(&c)) return NLP_EINVAL;
  *shares = v;
  return NLP_OK;
}

/* ---- percentages --------------------------------------------------------- */

int nlp_parse_percent(const char *s, size_t len, double *ratio) {
  cursor c;
  if (fold_input(&c, s, len, false) != NLP_OK) return NLP_EINVAL;
  while (eat_longest(&c, hedges, sizeof hedges / sizeof hedges[0]) >= 0) {
  }
  double v, div;
  num_info info;
  if (eat(&c, "百分之")) {
    if (!read_number(&c, &v, &info, false)) return NLP_EINVAL;
    div = 100;
  } else if (eat(&c, "千分之")) {
    if (!read_number(&c, &v, &info, false)) return NLP_EINVAL;
    div = 1000;
  } else {
    if (!read_number(&c, &v, &info, false)) return NLP_EINVAL;
    if (eat(&c, "%")) {
      div = 100;
    } else if (eat(&c, "‰")) {
      div = 1000;
    } else if (eat(&c, "成")) {
      /* "三成" = 30 %, "三成五" = 35 % */
      div = 10;
      size_t n;
      uint32_t cp = peek_cp(&c, &n);
      int d = n ? cn_digit(cp) : -1;
      if (d < 0 && !at_end(&c) && c.b[c.i] >= '0' && c.b[c.i] <= '9' &&
          (c.i + 1 == c.n || c.b[c.i + 1] < '0' || c.b[c.i + 1] > '9')) {
        d = c.b[c.i] - '0';
        n = 1;
      }
      if (d >= 0) {
        v += d / 10.0;
        c.i += n;
      }
    } else {
      return NLP_EINVAL;
    }
  }
  while (eat_longest(&c, tails, sizeof tails / sizeof tails[0]) >= 0) {
  }
  if (!at_end(&c) || !isfinite(v)) return NLP_EINVAL;
  *ratio = v / div;
  return NLP_OK;
}

/* ---- dates --------------------------------------------------------------- */

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in(int y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Reads "YYYY-MM-DD" or "YYYY-MM" (anything after is ignored). */
static bool parse_pub(const char *pub, int *y, int *m, int *d) {
  if (!pub) return false;
  int n = 0;
  *d = 0;
  if (sscanf(pub, "%4d-%2d%n", y, m, &n) != 2 || n != 7) return false;
  if (pub[7] == '-') {
    int n2 = 0;
    if (sscanf(pub + 8, "%2d%n", d, &n2) != 1 || n2 != 2) return false;
  }
  if (*m < 1 || *m > 12) return false;
  if (*d != 0 && (*d < 1 || *d > days_in(*y, *m))) return false;
  return true;
}

/* Small integer: Arabic digits or Chinese numerals; *ndig digits read. */
static bool read_int(cursor *c, int *v, int *ndig) {
  size_t save = c->i;
  if (!at_end(c) && c->b[c->i] >= '0' && c->b[c->i] <= '9') {
    /* plain digits only: in "2020.3.5" the dot is a separator */
    long x = 0;
    int n = 0;
    while (!at_end(c) && c->b[c->i] >= '0' && c->b[c->i] <= '9' && n < 9)
      x = x * 10 + (c->b[c->i++] - '0'), n++;
    *v = (int)x;
    *ndig = n;
    return true;
  }
  double x;
  num_info info;
  if (!read_number(c, &x, &info, false)) return false;
  if (x != floor(x) || x < 0 || x > 99999999) {
    c->i = save;
    return false;
  }
  *v = (int)x;
  *ndig = info.digits;
  return true;
}

static bool next_is_digit(const cursor *c) {
  if (at_end(c)) return false;
  if (c->b[c->i] >= '0' && c->b[c->i] <= '9') return true;
  size_t n;
  uint32_t cp = peek_cp(c, &n);
  return n && (cn_digit(cp) >= 0 || cn_unit(cp) == 10);
}

static void add_months(int *y, int *m, int delta) {
  int t = *y * 12 + (*m - 1) + delta;
  *y = t / 12;
  *m = t % 12 + 1;
}

static const char *const date_prefixes[] = {"于", "在", "截至", "截止", "截止到",
                                            "自", "从", "至", "到"};

int nlp_parse_date(const char *s, size_t len, const char *pub, char out[11]) {
  cursor c;
  if (fold_input(&c, s, len, true) != NLP_OK) return NLP_EINVAL;
  int py = 0, pm = 0, pd = 0;
  bool have_pub = parse_pub(pub, &py, &pm, &pd);
  int y = -1, m = -1, d = -1, v, nd;

  while (eat_longest(&c, date_prefixes,
                     sizeof date_prefixes / sizeof date_prefixes[0]) >= 0 ||
         eat(&c, " ")) {
  }

  /* Whole-day words relative to the publication date. */
  static const char *const days_rel[] = {"今日", "今天", "当日", "当天",
                                         "本日", "昨日", "昨天"};
  int k = eat_longest(&c, days_rel, sizeof days_rel / sizeof days_rel[0]);
  if (k >= 0) {
    if (!have_pub || pd == 0) return NLP_EINVAL;
    y = py, m = pm, d = pd;
    if (k >= 5 && --d == 0) {
      add_months(&y, &m, -1);
      d = days_in(y, m);
    }
    goto done;
  }

  static const char *const years_rel[] = {"今年", "本年", "当年", "去年",
                                          "上年", "明年", "前年"};
  static const int years_delta[] = {0, 0, 0, -1, -1, 1, -2};
  k = eat_longest(&c, years_rel, sizeof years_rel / sizeof years_rel[0]);
  if (k >= 0) {
    if (!have_pub) return NLP_EINVAL;
    y = py + years_delta[k];
  } else {
    size_t save = c.i;
    if (read_int(&c, &v, &nd)) {
      if (nd == 8 && v >= 10000000) { /* 20200305 */
        y = v / 10000, m = v / 100 % 100, d = v % 100;
        goto check;
      }
      if (nd == 4 && eat(&c, "年")) {
        y = v;
      } else if (nd == 4 && !at_end(&c) &&
                 (c.b[c.i] == '-' || c.b[c.i] == '/' || c.b[c.i] == '.')) {
        char sep = c.b[c.i++];
        y = v;
        if (!read_int(&c, &m, &nd) || nd > 2) return NLP_EINVAL;
        if (!at_end(&c) && c.b[c.i] == sep) {
          c.i++;
          if (!read_int(&c, &d, &nd) || nd > 2) return NLP_EINVAL;
        }
        goto check;
      } else {
        c.i = save; /* a month or a day */
      }
    }
  }

  eat(&c, " ");
  static const char *const months_rel[] = {"本月", "当月", "上月", "上个月",
                                           "下月", "下个月"};
  static const int months_delta[] = {0, 0, -1, -1, 1, 1};
  k = eat_longest(&c, months_rel, sizeof months_rel / sizeof months_rel[0]);
  if (k >= 0) {
    if (!have_pub || y >= 0) return NLP_EINVAL;
    y = py, m = pm;
    add_months(&y, &m, months_delta[k]);
  } else {
    size_t save = c.i;
    if (read_int(&c, &v, &nd) && eat(&c, "月"))
      m = v;
    else
      c.i = save;
  }

  eat(&c, " ");
  {
    size_t save = c.i;
    if (read_int(&c, &v, &nd) && (eat(&c, "日") || eat(&c, "号")))
      d = v;
    else
      c.i = save;
  }

  /* Fill what the text leaves out from the publication date. */
  if (m < 0 && d < 0) return NLP_EINVAL; /* "2020年", "今年", "近日" */
  if (y >= 0 && m < 0) return NLP_EINVAL; /* "2020年5日" */
  if (y < 0) {
    if (!have_pub) return NLP_EINVAL;
    y = py;
    if (m < 0) m = pm;
  }

check:
  /* Lenient after a complete date ("2020-03-05 10:00", "3月5日召开"), but
   * a digit right after it means the phrase was misread. */
  if (next_is_digit(&c)) return NLP_EINVAL;
done:
  if (y < 1900 || y > 2199 || m < 1 || m > 12) return NLP_EINVAL;
  if (d >= 0 && (d < 1 || d > days_in(y, m))) return NLP_EINVAL;
  char tmp[40]; /* ranges checked above: the text fits in out[11] */
  if (d >= 0)
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, d);
  else
    snprintf(tmp, sizeof tmp, "%04d-%02d", y, m);
  memcpy(out, tmp, 11);
  return NLP_OK;
}
