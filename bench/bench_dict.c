/*
 * bench_dict.c — speed and memory of the nlp foundations: the Aho–Corasick
 * dictionary (build time, resident memory, scan throughput) for N synthetic
 * Chinese enterprise names, and UTF-8 validation / normalisation throughput.
 *
 *   build/bench/bench_dict [N ...]      default N = 100000 1000000
 *
 * Names are generated deterministically (fixed seed): region + 2–4 random
 * characters from a pool of common name characters + optional industry word
 * + legal-form suffix, e.g. "江苏恒瑞达新能源科技有限公司".  The scan text is
 * ~32 MB of announcement-like filler sentences with one dictionary name
 * planted every sentence (so matching, not only walking, is measured).
 * Times are wall-clock (CLOCK_MONOTONIC), single thread; memory is the
 * change of VmRSS over the add+build (the build frees its scratch space, so
 * the peak during build is reported separately as the VmHWM increase).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nlp/nlp.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* VmRSS or VmHWM in KiB from /proc/self/status. */
static long proc_kib(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long v = -1;
  size_t kl = strlen(key);
  while (fgets(line, sizeof line, f))
    if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
      v = strtol(line + kl + 1, NULL, 10);
      break;
    }
  fclose(f);
  return v;
}

static void cpu_model(char *out, size_t n) {
  snprintf(out, n, "unknown");
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "model name", 10) == 0) {
      char *p = strchr(line, ':');
      if (p) {
        p += 2;
        p[strcspn(p, "\n")] = '\0';
        snprintf(out, n, "%s", p);
      }
      break;
    }
  fclose(f);
}

static const char *const regions[] = {
    "北京", "上海", "天津", "重庆", "河北", "山西", "辽宁", "吉林", "江苏",
    "浙江", "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东",
    "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "深圳", "杭州",
    "南京", "苏州", "武汉", "成都", "西安", "宁波", "厦门", "青岛", "大连"};
static const char *const chars[] = {
    "华", "瑞", "恒", "信", "中", "泰", "鼎", "盛", "博", "远", "金", "石",
    "天", "成", "宏", "达", "新", "元", "永", "安", "东", "方", "嘉", "禾",
    "海", "润", "隆", "基", "广", "汇", "通", "明", "阳", "光", "星", "辰",
    "长", "江", "凯", "利", "丰", "源", "德", "正", "合", "兴", "旺", "富",
    "荣", "昌", "振", "宇", "航", "科", "创", "智", "云", "峰", "腾", "飞",
    "晨", "曦", "卓", "越", "鑫", "诚", "和", "顺", "益", "康", "泽", "茂",
    "友", "邦", "联", "众", "万", "象", "弘", "毅", "睿", "思", "维", "景"};
static const char *const industries[] = {
    "",     "",     "科技", "新能源", "医药", "建设", "实业", "投资",
    "物流", "化工", "电子", "食品",   "环保", "材料", "智能", "贸易"};
static const char *const suffixes[] = {"有限公司", "股份有限公司",
                                       "集团有限公司", "有限责任公司",
                                       "集团股份有限公司", "控股有限公司"};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int make_name(unsigned *seed, char *out, size_t n) {
  int len = snprintf(out, n, "%s", regions[rand_r(seed) % NELEM(regions)]);
  int k = 2 + rand_r(seed) % 3;
  for (int i = 0; i < k; i++)
    len += snprintf(out + len, n - (size_t)len, "%s",
                    chars[rand_r(seed) % NELEM(chars)]);
  len += snprintf(out + len, n - (size_t)len, "%s%s",
                  industries[rand_r(seed) % NELEM(industries)],
                  suffixes[rand_r(seed) % NELEM(suffixes)]);
  return len;
}

static const char *const filler[] = {
    "本公司董事会及全体董事保证本公告内容不存在任何虚假记载，",
    "近日收到中标通知书，确定为项目中标人，中标金额为人民币1.2亿元，",
    "公司控股股东将其持有的部分股份办理了质押手续，质押期限自2020年3月5日起，",
    "该事项尚需提交股东大会审议，敬请广大投资者注意投资风险。",
    "Shanghai Stock Exchange announcement No. 2020-015, ",
    "本次交易完成后，公司将持有标的公司51%的股权，"};

static int count_fn(void *ctx, const nlp_match *m) {
  (void)m;
  (*(size_t *)ctx)++;
  return 0;
}

static void bench_n(size_t n, int first) {
  unsigned seed = 20240601u + (unsigned)n;
  char name[256];
  long rss0 = proc_kib("VmRSS"), hwm0 = proc_kib("VmHWM");
  nlp_dict *d;
  if (nlp_dict_new(&d) != NLP_OK) exit(1);
  double t0 = now();
  size_t bytes = 0;
  for (size_t i = 0; i < n; i++) {
    int len = make_name(&seed, name, sizeof name);
    bytes += (size_t)len;
    if (nlp_dict_add(d, name, (size_t)len, NLP_WORD_ENTERPRISE, i + 1) !=
        NLP_OK)
      exit(1);
  }
  double t1 = now();
  int rc = nlp_dict_build(d);
  double t2 = now();
  if (rc != NLP_OK) {
    fprintf(stderr, "build: %s\n", nlp_strerror(rc));
    exit(1);
  }
  long rss1 = proc_kib("VmRSS"), hwm1 = proc_kib("VmHWM");

  /* ~32 MB of text: filler sentence + planted name, repeated. */
  size_t cap = 32u << 20;
  char *text = malloc(cap + 1024);
  size_t tl = 0, planted = 0;
  unsigned s2 = 20240601u + (unsigned)n; /* same names as the dictionary */
  unsigned s3 = 7;
  while (tl < cap) {
    const char *f = filler[rand_r(&s3) % NELEM(filler)];
    size_t fl = strlen(f);
    memcpy(text + tl, f, fl);
    tl += fl;
    if (planted % n == 0) s2 = 20240601u + (unsigned)n; /* only known names */
    int len = make_name(&s2, name, sizeof name);
    memcpy(text + tl, name, (size_t)len);
    tl += (size_t)len;
    planted++;
  }
  size_t found = 0;
  double t3 = now();
  nlp_dict_scan(d, text, tl, count_fn, &found);
  double t4 = now();

  if (first) {
    printf("| names N | distinct | name bytes | add s | build s | automaton MB "
           "| RSS delta MB | peak extra MB | scan MB/s | text MB | planted | "
           "matches |\n");
    printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  }
  printf("| %zu | %zu | %.1f MB | %.3f | %.3f | %.1f | %.1f | %.1f | %.1f | "
         "%.1f | %zu | %zu |\n",
         n, nlp_dict_size(d), bytes / 1048576.0, t1 - t0, t2 - t1,
         nlp_dict_memory(d) / 1048576.0, (rss1 - rss0) / 1024.0,
         (hwm1 - hwm0) / 1024.0, tl / 1048576.0 / (t4 - t3), tl / 1048576.0,
         planted, found);
  fflush(stdout);
  free(text);
  nlp_dict_free(d);
}

static void bench_text(void) {
  size_t cap = 64u << 20;
  char *ascii = malloc(cap), *zh = malloc(cap + 512);
  /* ASCII-heavy: English filler with a Chinese word every ~200 bytes */
  const char *en = "The board of directors announces that the company has "
                   "won the bid for the municipal water project, worth CNY "
                   "120 million, signed on 2020-03-05. ";
  size_t el = strlen(en), tl = 0;
  while (tl + el + 8 < cap) {
    memcpy(ascii + tl, en, el);
    tl += el;
    memcpy(ascii + tl, "中标", 6);
    tl += 6;
  }
  size_t zl = 0;
  unsigned s = 3;
  while (zl < cap) {
    const char *f = filler[rand_r(&s) % NELEM(filler)];
    size_t fl = strlen(f);
    memcpy(zh + zl, f, fl);
    zl += fl;
  }
  struct {
    const char *what;
    const char *buf;
    size_t len;
  } in[] = {{"ASCII-heavy", ascii, tl}, {"Chinese", zh, zl}};
  printf("\n| function | text | MB | MB/s |\n|---|---|---:|---:|\n");
  for (int i = 0; i < 2; i++) {
    double t0 = now();
    int reps = 5;
    bool ok = true;
    for (int r = 0; r < reps; r++) ok &= nlp_utf8_valid(in[i].buf, in[i].len, NULL);
    double t1 = now();
    printf("| nlp_utf8_valid | %s | %.0f | %.0f |\n", in[i].what,
           in[i].len / 1048576.0, reps * in[i].len / 1048576.0 / (t1 - t0));
    if (!ok) printf("(unexpected: invalid)\n");
    /* normalise as ingest does: one document (32 KiB) at a time */
    t0 = now();
    for (size_t off = 0; off < in[i].len;) {
      size_t n = in[i].len - off < 32768 ? in[i].len - off : 32768;
      while (n > 0 && off + n < in[i].len &&
             (in[i].buf[off + n] & 0xC0) == 0x80)
        n--; /* cut on a character boundary */
      char *out;
      size_t ol;
      nlp_normalize(in[i].buf + off, n, &out, &ol, NULL);
      free(out);
      off += n;
    }
    t1 = now();
    printf("| nlp_normalize (32 KiB docs) | %s | %.0f | %.0f |\n", in[i].what,
           in[i].len / 1048576.0, in[i].len / 1048576.0 / (t1 - t0));
  }
  free(ascii);
  free(zh);
}

int main(int argc, char **argv) {
  char cpu[256];
  cpu_model(cpu, sizeof cpu);
  printf("bench_dict: nlp Aho-Corasick dictionary and text functions\n");
  printf("machine: %ld CPUs online, %s; single-threaded; -O2 build\n",
         sysconf(_SC_NPROCESSORS_ONLN), cpu);
  printf("input: synthetic names region+2-4 chars+industry+suffix (fixed "
         "seed); ~32 MB scan text, one planted name per filler sentence\n\n");
  if (argc > 1) {
    for (int i = 1; i < argc; i++)
      bench_n((size_t)strtoull(argv[i], NULL, 10), i == 1);
  } else {
    bench_n(100000, 1);
    bench_n(1000000, 0);
  }
  bench_text();
  return 0;
}
