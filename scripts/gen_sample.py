#!/usr/bin/python3
"""gen_sample.py — writes oppgraph's bundled synthetic sample world.

    /usr/bin/python3 scripts/gen_sample.py [--out data/sample] [--seed 20240601]

Output (deterministic for a given seed; no external data is read):
  registry/00_rms.xml            6 relationship managers, 2 branches / teams
  registry/01_enterprises.xml    ~300 enterprises, valid GB 32100 credit codes
  registry/02_persons.xml        legal representatives and executives
  registry/03_shareholdings.xml  group structures, a few cross-holdings
  registry/04_guarantees.xml     guarantees incl. 3 guarantee circles
  registry/05_supply.xml         supply relations
  announcements/*.html|*.txt|*.xml  ~300 announcements (中标, 质押, 收购, 融资,
                                 回购, 减持, 亏损, 诉讼, … and noise), a few exact
                                 duplicates, some events reported twice by
                                 different sources, a few GBK-encoded HTML files.
  announcements/b*.txt           the bank's own signals: bond issues, guarantees
                                 between registry enterprises, judgments, 环评,
                                 government agreements, bank credit, wealth
                                 products, top-5 suppliers / customers.
Everything here is invented: names, codes, people, amounts.
"""
import argparse
import os
import random
import shutil
from xml.sax.saxutils import escape, quoteattr

ALPHA = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def check_char(first17):
    s = sum(ALPHA.index(c) * w for c, w in zip(first17, WEIGHTS))
    c = 31 - s % 31
    return ALPHA[0 if c == 31 else c]


REGIONS = [  # (division code, city, province prefix for RM territory)
    ("310115", "上海"), ("310104", "上海"), ("320505", "苏州"), ("320106", "南京"),
    ("330106", "杭州"), ("330212", "宁波"), ("440305", "深圳"), ("440106", "广州"),
    ("110105", "北京"), ("320211", "无锡"),
]
INDUSTRIES = [  # (GB/T 4754 code, name word, short word)
    ("C39", "电子科技", "电子"), ("E48", "建设工程", "建设"), ("C27", "医药", "医药"),
    ("G54", "物流", "物流"), ("D44", "能源", "能源"), ("C34", "机械装备", "机械"),
    ("C26", "化工", "化工"), ("C14", "食品", "食品"), ("N77", "环保科技", "环保"),
    ("I65", "软件信息", "软件"), ("C30", "新材料", "材料"), ("K70", "置业", "置业"),
]
BRANDS = list("华恒宏鼎金瑞中新永盛泰康天海联博创汇远航德信隆昌安达正光明辉嘉兴凯旭")
SURN = list("王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂华建国志红玉兰英晨浩宇")
BANKS = ["中国工商银行股份有限公司", "招商银行股份有限公司", "中信证券股份有限公司",
         "海通证券股份有限公司", "华泰证券股份有限公司", "国泰君安证券股份有限公司",
         "上海浦东发展银行股份有限公司", "兴业银行股份有限公司"]
TENDERERS = ["国家电网有限公司", "中国铁路上海局集团有限公司", "上海市政工程管理局",
             "江苏省交通运输厅", "深圳市地铁集团有限公司", "杭州市城市建设发展集团有限公司",
             "中国移动通信集团有限公司", "南京市公共资源交易中心"]
INVESTORS = ["红杉资本中国基金", "高瓴资本", "深创投", "IDG资本", "君联资本", "元禾控股",
             "国投创新", "启明创投"]
PROJECTS = ["智慧城市综合管理平台建设项目", "轨道交通综合监控系统采购项目",
            "污水处理厂提标改造工程", "数据中心机电安装工程", "新能源汽车充电桩采购项目",
            "医院信息化升级项目", "高速公路养护工程", "工业园区光伏发电项目",
            "城市燃气管网改造工程", "政务云平台运维服务项目"]


class World:
    def __init__(self, rng):
        self.rng = rng
        self.ents = []
        self.names = set()
        self.aliases = set()
        self.persons = []
        self.person_names = set()

    def person_name(self):
        while True:
            n = self.rng.choice(SURN) + "".join(
                self.rng.choice(GIVEN) for _ in range(self.rng.choice([1, 2])))
            if n not in self.person_names:
                self.person_names.add(n)
                return n

    def code(self, region):
        body = "91" + region + "".join(self.rng.choice(ALPHA) for _ in range(9))
        return body + check_char(body)

    def make_enterprises(self, n):
        rng = self.rng
        stock_no = {"6": 600100, "0": 2100, "3": 300100}
        while len(self.ents) < n:
            region, city = rng.choice(REGIONS)
            ind, word, short = rng.choice(INDUSTRIES)
            brand = rng.choice(BRANDS) + rng.choice(BRANDS)
            if brand[0] == brand[1]:
                continue
            group = rng.random() < 0.12
            suffix = "集团有限公司" if group else rng.choice(["股份有限公司", "有限公司", "有限公司"])
            name = f"{city}{brand}{word}{suffix}"
            alias = f"{brand}{short}"
            if name in self.names or alias in self.aliases:
                continue
            self.names.add(name)
            self.aliases.add(alias)
            listed = suffix == "股份有限公司" and rng.random() < 0.6
            stock = ""
            if listed:
                board = rng.choice("603")
                stock_no[board] += rng.randint(1, 40)
                stock = f"{stock_no[board]:06d}"
            e = dict(id=len(self.ents), name=name, alias=alias, code=self.code(region),
                     region=region, industry=ind, listed=listed, stock=stock, group=group,
                     capital=rng.choice([500, 1000, 2000, 5000, 10000, 30000, 80000]) * 10000,
                     founded=f"{rng.randint(1993, 2021)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                     status=rng.choice(["存续"] * 12 + ["在业", "注销"]),
                     tags=[], former=None, client=False, rm="", declined=rng.random() < 0.03)
            if rng.random() < 0.08:
                e["former"] = f"{city}{brand}{short}有限公司"
                if e["former"] in self.names:
                    e["former"] = None
                else:
                    self.names.add(e["former"])
            if rng.random() < 0.25:
                e["tags"].append("高新技术企业")
            if rng.random() < 0.1:
                e["tags"].append("专精特新")
            if listed:
                e["tags"].append("上市公司")
            self.ents.append(e)


def rm_list():
    return [
        dict(id="rm01", name="陈晓明", team="公司一部", branch="上海分行", role="rm", cap=20,
             regions=["31"], industries=["C39", "I65", "C30"]),
        dict(id="rm02", name="刘佳怡", team="公司一部", branch="上海分行", role="rm", cap=20,
             regions=["33"], industries=["E48", "K70", "G54"]),
        dict(id="rm03", name="王建国", team="公司一部", branch="上海分行", role="lead", cap=10,
             regions=["31", "33"], industries=[]),
        dict(id="rm04", name="赵志强", team="公司二部", branch="江苏分行", role="rm", cap=20,
             regions=["32"], industries=["C34", "C26", "D44"]),
        dict(id="rm05", name="孙丽娜", team="公司二部", branch="江苏分行", role="rm", cap=20,
             regions=["44", "11"], industries=["C27", "C14", "N77"]),
        dict(id="rm06", name="周敏", team="总行", branch="总行公司金融部", role="admin", cap=0,
             regions=[], industries=[]),
    ]


def rm_for(e, rms):
    for r in rms[:5]:
        if r["role"] == "rm" and any(e["region"].startswith(p) for p in r["regions"]):
            return r["id"]
    return "rm05"


def xml_head(root):
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} source="oppgraph synthetic sample" date="2024-06-30">\n'


def write_registry(w, rms, outdir):
    rng = w.rng
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "00_rms.xml"), "w", encoding="utf-8") as f:
        f.write(xml_head("registry") + "  <rms>\n")
        for r in rms:
            f.write(f'    <rm id="{r["id"]}" name="{r["name"]}" team="{r["team"]}" branch="{r["branch"]}" role="{r["role"]}" capacity="{r["cap"]}">\n')
            for g in r["regions"]:
                f.write(f"      <region>{g}</region>\n")
            for i in r["industries"]:
                f.write(f"      <industry>{i}</industry>\n")
            f.write("    </rm>\n")
        f.write("  </rms>\n</registry>\n")
    # clients: 40, spread over the five non-admin RMs by territory
    for e in rng.sample(w.ents, 40):
        e["client"] = True
        e["rm"] = rm_for(e, rms)
    with open(os.path.join(outdir, "01_enterprises.xml"), "w", encoding="utf-8") as f:
        f.write(xml_head("registry") + "  <enterprises>\n")
        for e in w.ents:
            attrs = f'code="{e["code"]}"'
            if e["client"]:
                attrs += f' is_client="true" rm="{e["rm"]}"'
            if e["declined"]:
                attrs += ' credit_declined="true"'
            f.write(f"    <enterprise {attrs}>\n      <name>{escape(e['name'])}</name>\n")
            if e["former"]:
                f.write(f"      <former_name>{escape(e['former'])}</former_name>\n")
            f.write(f"      <alias>{escape(e['alias'])}</alias>\n")
            f.write(f"      <legal_rep>{e['legal_rep']}</legal_rep>\n")
            f.write(f"      <registered_capital>{e['capital']}</registered_capital>\n")
            f.write(f"      <founded>{e['founded']}</founded>\n      <status>{e['status']}</status>\n")
            f.write(f"      <industry>{e['industry']}</industry>\n      <region>{e['region']}</region>\n")
            if e["stock"]:
                f.write(f"      <stock_code>{e['stock']}</stock_code>\n")
            for t in e["tags"]:
                f.write(f"      <tag>{t}</tag>\n")
            f.write("    </enterprise>\n")
        f.write("  </enterprises>\n</registry>\n")
    with open(os.path.join(outdir, "02_persons.xml"), "w", encoding="utf-8") as f:
        f.write(xml_head("registry") + "  <persons>\n")
        for p in w.persons:
            f.write(f'    <person name="{p["name"]}">\n')
            for code, title, lr in p["roles"]:
                lr_attr = ' legal_rep="true"' if lr else ""
                f.write(f'      <role enterprise="{code}" title="{title}"{lr_attr}/>\n')
            f.write("    </person>\n")
        f.write("  </persons>\n</registry>\n")
    with open(os.path.join(outdir, "03_shareholdings.xml"), "w", encoding="utf-8") as f:
        f.write(xml_head("registry") + "  <shareholdings>\n")
        for s in w.holdings:
            holder = f'holder="{s[0]}"' if not s[0].startswith("P:") else f'holder_person="{s[0][2:]}"'
            f.write(f'    <shareholding {holder} held="{s[1]}" ratio="{s[2]:.4f}" amount="{s[3]}"/>\n')
        f.write("  </shareholdings>\n</registry>\n")
    with open(os.path.join(outdir, "04_guarantees.xml"), "w", encoding="utf-8") as f:
        f.write(xml_head("registry") + "  <guarantees>\n")
        for g in w.guarantees:
            f.write(f'    <guarantee guarantor="{g[0]}" guaranteed="{g[1]}" amount="{g[2]}" start="{g[3]}" end="{g[4]}"/>\n')
        f.write("  </guarantees>\n</registry>\n")
    with open(os.path.join(outdir, "05_supply.xml"), "w", encoding="utf-8") as f:
        f.write(xml_head("registry") + "  <supplies>\n")
        for s in w.supplies:
            f.write(f'    <supply upstream="{s[0]}" downstream="{s[1]}" amount="{s[2]}" share="{s[3]:.2f}"/>\n')
        f.write("  </supplies>\n</registry>\n")


def make_relations(w):
    rng = w.rng
    ents = w.ents
    # persons: a legal representative for every enterprise, executives for some
    for e in ents:
        p = dict(name=w.person_name(), roles=[(e["code"], "董事长", True)])
        e["legal_rep"] = p["name"]
        w.persons.append(p)
    for e in rng.sample(ents, 80):
        w.persons.append(dict(name=w.person_name(), roles=[(e["code"], rng.choice(["总经理", "财务总监", "董事会秘书"]), False)]))
    # one person sitting on two boards links enterprises through executives
    for _ in range(10):
        p = rng.choice(w.persons)
        other = rng.choice(ents)
        if all(r[0] != other["code"] for r in p["roles"]):
            p["roles"].append((other["code"], "董事", False))
    # groups: each 集团 holds 2-5 subsidiaries
    w.holdings = []
    groups = [e for e in ents if e["group"]]
    free = [e for e in ents if not e["group"]]
    rng.shuffle(free)
    for g in groups:
        g["subs"] = []
        for _ in range(rng.randint(2, 5)):
            if not free:
                break
            s = free.pop()
            s["parent"] = g
            g["subs"].append(s)
            ratio = rng.choice([0.51, 0.6, 0.7, 0.8, 1.0])
            w.holdings.append((g["code"], s["code"], ratio, int(s["capital"] * ratio)))
    # natural persons controlling some groups
    for g in groups[:8]:
        w.holdings.append(("P:" + g["legal_rep"], g["code"], 0.65, int(g["capital"] * 0.65)))
    # cross-holdings
    for _ in range(4):
        a, b = rng.sample(ents, 2)
        w.holdings.append((a["code"], b["code"], 0.05, int(b["capital"] * 0.05)))
        w.holdings.append((b["code"], a["code"], 0.03, int(a["capital"] * 0.03)))
    # minority stakes
    for _ in range(30):
        a, b = rng.sample(ents, 2)
        w.holdings.append((a["code"], b["code"], rng.choice([0.1, 0.15, 0.2, 0.3]), 0))
    seen = set()
    w.holdings = [h for h in w.holdings if not ((h[0], h[1]) in seen or seen.add((h[0], h[1])))]
    # guarantees: random ones (acyclic: lower index guarantees higher) + 3 circles
    w.guarantees = []
    gseen = set()

    def add_g(a, b):
        if (a["code"], b["code"]) in gseen or a is b:
            return
        gseen.add((a["code"], b["code"]))
        amt = rng.choice([1000, 2000, 3000, 5000, 8000, 12000]) * 10000
        y = rng.randint(2022, 2024)
        w.guarantees.append((a["code"], b["code"], amt, f"{y}-{rng.randint(1, 12):02d}-01", f"{y + rng.randint(1, 3)}-{rng.randint(1, 12):02d}-28"))

    for _ in range(60):
        a, b = sorted(rng.sample(range(len(ents)), 2))
        add_g(ents[a], ents[b])
    for size in (3, 4, 2):
        members = rng.sample(ents, size)
        for i in range(size):
            add_g(members[i], members[(i + 1) % size])
    # supply chains
    w.supplies = []
    sseen = set()
    for _ in range(90):
        a, b = rng.sample(ents, 2)
        if (a["code"], b["code"]) in sseen:
            continue
        sseen.add((a["code"], b["code"]))
        w.supplies.append((a["code"], b["code"], rng.choice([500, 1200, 3000, 6000]) * 10000, rng.choice([0.05, 0.1, 0.2, 0.35])))


# ---------------------------------------------------------------- announcements

def amount_text(rng, lo=1000, hi=200000):
    wan = rng.randint(lo, hi) * 1.0
    style = rng.random()
    if wan >= 10000 and style < 0.5:
        return f"{wan / 10000:.2f}亿元", wan * 10000
    if style < 0.8:
        return f"{int(wan):,}万元", wan * 10000
    return f"人民币{wan:,.2f}万元", wan * 10000


def cdate(d):
    y, m, dd = d.split("-")
    return f"{int(y)}年{int(m)}月{int(dd)}日"


def pick_name(rng, e):
    return e["alias"] if e["listed"] and rng.random() < 0.4 else e["name"]


def ann_zhongbiao(rng, w, e, date, variant):
    proj = rng.choice(PROJECTS)
    ten = rng.choice(TENDERERS)
    amt, _ = amount_text(rng, 2000, 90000)
    n = pick_name(rng, e)
    if variant == 0:
        title = f"{e['name']}关于中标{proj}的公告"
        body = [f"本公司及董事会全体成员保证信息披露内容的真实、准确和完整，没有虚假记载、误导性陈述或重大遗漏。",
                f"{cdate(date)}，{e['name']}收到{ten}发出的《中标通知书》，确认公司为“{proj}”的中标单位，中标金额为{amt}。",
                f"本项目的顺利实施预计将对公司未来经营业绩产生积极影响。敬请广大投资者注意投资风险。"]
    else:
        title = f"{n}斩获{amt}大单"
        body = [f"记者获悉，{n}近日中标{ten}“{proj}”，中标金额{amt}。",
                f"业内人士表示，该订单有望增厚公司全年营收。"]
    return title, body


def ann_pledge(rng, w, e, date, variant):
    holder = e.get("parent") or rng.choice(w.ents)
    pledgee = rng.choice(BANKS)
    shares = rng.randint(300, 8000)
    p1 = round(rng.uniform(5, 60), 2)
    p2 = round(rng.uniform(0.5, 15), 2)
    end = f"{int(date[:4]) + 1}{date[4:]}"
    title = f"{e['name']}关于控股股东部分股份质押的公告"
    if variant == 0:
        body = [f"{e['name']}（以下简称“公司”）于{cdate(date)}接到控股股东{holder['name']}的通知，获悉其将所持有的本公司{shares:,}万股股份质押给{pledgee}，用于融资担保。",
                f"本次质押股份占其所持公司股份的{p1}%，占公司总股本的{p2}%，质押期限自{cdate(date)}起至{cdate(end)}止。"]
    else:
        title = f"{holder['alias']}质押{e['alias']}{shares:,}万股"
        body = [f"{e['alias']}公告称，控股股东{holder['name']}将其持有的{shares:,}万股公司股份质押给{pledgee}，占其所持股份比例{p1}%。"]
    return title, body


def ann_acquire(rng, w, e, date, variant):
    target = rng.choice(w.ents)
    while target is e:
        target = rng.choice(w.ents)
    pct = rng.choice([51, 60, 70, 100])
    amt, _ = amount_text(rng, 5000, 300000)
    if variant == 0:
        title = f"{e['name']}关于收购{target['name']}{pct}%股权的公告"
        body = [f"{e['name']}拟以现金{amt}收购{target['name']}{pct}%股权。本次交易完成后，{target['name']}将成为公司的控股子公司。",
                f"本次交易不构成关联交易，亦不构成《上市公司重大资产重组管理办法》规定的重大资产重组。"]
    else:
        title = f"{e['alias']}拟{amt}收购{target['alias']}控股权"
        body = [f"{e['alias']}晚间公告，公司拟以{amt}的价格收购{target['name']}{pct}%股权，进一步完善产业布局。"]
    return title, body


def ann_financing(rng, w, e, date, variant):
    rnd = rng.choice(["天使", "A", "A+", "B", "C", "Pre-IPO"])
    inv = rng.sample(INVESTORS, 2)
    amt, _ = amount_text(rng, 3000, 60000)
    title = f"{e['alias']}完成{rnd}轮融资"
    if variant == 0:
        body = [f"{cdate(date)}，{e['name']}宣布完成{amt}{rnd}轮融资，本轮融资由{inv[0]}领投，{inv[1]}跟投。",
                f"本轮融资将主要用于研发投入和市场拓展。"]
    else:
        title = f"{e['alias']}获{inv[0]}领投{amt}"
        body = [f"{e['name']}近日获得{amt}{rnd}轮融资，投资方为{inv[0]}、{inv[1]}。"]
    return title, body


def ann_buyback(rng, w, e, date, variant):
    n = rng.randint(100, 3000)
    amt, _ = amount_text(rng, 1000, 30000)
    title = f"{e['name']}关于回购公司股份的进展公告"
    body = [f"截至{cdate(date)}，公司通过集中竞价交易方式累计回购股份{n:,}万股，占公司总股本的{round(rng.uniform(0.3, 3), 2)}%，成交总金额为{amt}。"]
    return title, body


def ann_reduce(rng, w, e, date, variant):
    p = rng.choice(w.persons)
    n = rng.randint(50, 1500)
    title = f"{e['name']}关于股东减持股份的公告"
    body = [f"公司股东{p['name']}于{cdate(date)}通过大宗交易方式减持公司股份{n:,}万股，占公司总股本的{round(rng.uniform(0.5, 4), 2)}%。"]
    return title, body


def ann_loss(rng, w, e, date, variant):
    amt, _ = amount_text(rng, 2000, 150000)
    title = f"{e['name']}2023年度业绩预告"
    body = [f"经财务部门初步测算，预计2023年度归属于上市公司股东的净利润为亏损{amt}，上年同期为盈利。",
            "业绩变动主要原因为主要产品价格下降及计提资产减值准备。"]
    return title, body


def ann_litigation(rng, w, e, date, variant):
    other = rng.choice(w.ents)
    amt, _ = amount_text(rng, 500, 50000)
    title = f"{e['name']}关于涉及重大诉讼的公告"
    body = [f"公司于{cdate(date)}收到法院送达的起诉状，{other['name']}以买卖合同纠纷为由起诉公司，涉案金额{amt}。",
            "目前案件尚未开庭审理，对公司本期利润的影响存在不确定性。"]
    return title, body


def ann_noise(rng, w, e, date, variant):
    kind = rng.choice(["股东大会", "董事会", "投资者关系", "分红"])
    if kind == "股东大会":
        return f"{e['name']}关于召开2024年第一次临时股东大会的通知", [
            f"公司董事会决定于{cdate(date)}召开2024年第一次临时股东大会，会议采用现场投票与网络投票相结合的方式。"]
    if kind == "董事会":
        return f"{e['name']}第五届董事会第十次会议决议公告", [
            "本次会议应出席董事9名，实际出席董事9名，审议通过了《关于修订公司章程的议案》。"]
    if kind == "投资者关系":
        return f"{e['alias']}投资者关系活动记录表", [
            "公司就经营情况、行业发展趋势等问题与投资者进行了交流，未涉及应披露重大信息。"]
    return f"{e['name']}2023年年度权益分派实施公告", [
        f"本次利润分配以总股本为基数，向全体股东每10股派发现金红利{rng.randint(1, 9)}.00元（含税）。"]


KINDS = [(ann_zhongbiao, 60), (ann_pledge, 45), (ann_acquire, 35), (ann_financing, 35),
         (ann_buyback, 20), (ann_reduce, 20), (ann_loss, 15), (ann_litigation, 15), (ann_noise, 40)]

SOURCES = ["上海证券交易所", "深圳证券交易所", "巨潮资讯网", "证券时报", "上海证券报", "财联社"]


def html_page(title, body, date, source, charset="utf-8"):
    paras = "\n".join(f"      <p>{escape(p)}</p>" for p in body)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="{charset}">
  <meta name="publish_date" content="{date}">
  <title>{escape(title)}</title>
  <style>body {{ font-family: sans-serif; }} .nav {{ color: #333; }}</style>
  <script>window.dataLayer = window.dataLayer || []; function track(){{ return "中标 质押"; }}</script>
</head>
<body>
  <div class="nav"><a href="/">首页</a> &gt; <a href="/gg">公司公告</a></div>
  <article>
    <h1>{escape(title)}</h1>
    <div class="meta">来源：{escape(source)}&nbsp;&nbsp;<time datetime="{date}">{cdate(date)}</time></div>
    <div class="content">
{paras}
    </div>
  </article>
  <noscript>请启用JavaScript</noscript>
  <script>track();</script>
  <div class="footer">&copy; 2024 {escape(source)} 版权所有</div>
</body>
</html>
"""


def text_doc(title, body, date):
    return f"{title}\n{date}\n\n" + "\n".join(body) + "\n"


def write_announcements(w, outdir):
    rng = w.rng
    os.makedirs(outdir, exist_ok=True)
    pool = []
    for fn, n in KINDS:
        pool += [fn] * n
    rng.shuffle(pool)
    listed = [e for e in w.ents if e["listed"]]
    xml_items = []
    written = []
    for i, fn in enumerate(pool):
        e = rng.choice(listed if fn in (ann_pledge, ann_buyback, ann_reduce, ann_loss) and listed else w.ents)
        date = f"2024-{rng.randint(1, 6):02d}-{rng.randint(1, 28):02d}"
        state = rng.getstate()
        title, body = fn(rng, w, e, date, 0)
        source = rng.choice(SOURCES)
        r = rng.random()
        stem = f"a{i + 1:04d}"
        if r < 0.10:
            xml_items.append((stem, title, body, date, source))
        elif r < 0.45:
            with open(os.path.join(outdir, stem + ".txt"), "w", encoding="utf-8") as f:
                f.write(text_doc(title, body, date))
            written.append(stem + ".txt")
        elif r < 0.47:
            with open(os.path.join(outdir, stem + ".html"), "wb") as f:
                f.write(html_page(title, body, date, source, "gbk").encode("gb18030"))
            written.append(stem + ".html")
        else:
            with open(os.path.join(outdir, stem + ".html"), "w", encoding="utf-8") as f:
                f.write(html_page(title, body, date, source))
            written.append(stem + ".html")
        # the same real event told by a second source in other words
        if fn not in (ann_noise, ann_buyback, ann_reduce, ann_loss, ann_litigation) and rng.random() < 0.12:
            after = rng.getstate()
            rng.setstate(state)
            t2, b2 = fn(rng, w, e, date, 1)
            rng.setstate(after)
            with open(os.path.join(outdir, stem + "_news.txt"), "w", encoding="utf-8") as f:
                f.write(text_doc(t2, b2, date))
    # exact duplicates: byte copies under another name
    for name in rng.sample(written, 5):
        stem, ext = os.path.splitext(name)
        shutil.copyfile(os.path.join(outdir, name), os.path.join(outdir, stem + "_copy" + ext))
    # our XML announcement format, several per file
    for k in range(0, len(xml_items), 10):
        with open(os.path.join(outdir, f"batch{k // 10 + 1:02d}.xml"), "w", encoding="utf-8") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n<announcements>\n')
            for stem, title, body, date, source in xml_items[k:k + 10]:
                f.write(f'  <announcement id={quoteattr(stem)}>\n    <title>{escape(title)}</title>\n'
                        f'    <published>{date}</published>\n    <source>{escape(source)}</source>\n'
                        f'    <text>{escape(chr(10).join(body))}</text>\n  </announcement>\n')
            f.write("</announcements>\n")


# ---- the bank's own signals (data/rules/bank_*.rules) ----------------------
# Written after the announcements above with their own random stream, so that
# adding them left every earlier file of the sample unchanged.
BANK_COURTS = ["上海市浦东新区人民法院", "江苏省苏州市中级人民法院", "深圳市南山区人民法院",
               "杭州市中级人民法院", "上海国际仲裁中心"]
ENV_BUREAUS = {"上海": "上海市生态环境局", "苏州": "苏州市生态环境局", "南京": "南京市生态环境局",
               "杭州": "杭州市生态环境局", "宁波": "宁波市生态环境局", "深圳": "深圳市生态环境局",
               "广州": "广州市生态环境局", "北京": "北京市生态环境局", "无锡": "无锡市生态环境局"}
ENV_PROJECTS = ["年产5万吨锂电池正极材料项目", "智能装备产业园建设项目", "生物医药研发生产基地项目",
                "危险废物综合利用项目", "高端电子元器件扩产项目"]
BANK_LENDERS = ["中国工商银行股份有限公司", "招商银行股份有限公司", "上海浦东发展银行股份有限公司",
                "兴业银行股份有限公司", "中国银行股份有限公司"]


def city_of(e):
    return dict(REGIONS).get(e["region"], "上海")


def bank_bond(rng, w, e, date):
    amt, _ = amount_text(rng, 20000, 200000)
    kind = rng.choice(["中期票据", "超短期融资券", "公司债券", "绿色公司债券"])
    return (f"{e['name']}关于发行{kind}的公告", [
        f"{e['name']}于{cdate(date)}完成2024年度第一期{kind}的发行，发行金额为{amt}，"
        f"期限{rng.choice([1, 3, 5])}年，票面利率{rng.randint(220, 420) / 100:.2f}%。",
        "本期债券募集资金将用于偿还有息债务及补充流动资金。"])


def bank_guarantee(rng, w, e, date, other):
    amt, _ = amount_text(rng, 1000, 30000)
    y, m, d = date.split("-")
    end = f"{int(y) + rng.choice([1, 2, 3])}年{int(m)}月{int(d)}日"
    return (f"{e['name']}关于为{other['name']}提供担保的公告", [
        f"{e['name']}为{other['name']}提供担保，担保金额为人民币{amt}，"
        f"保证期间自{cdate(date)}至{end}。",
        "截至本公告披露日，公司及控股子公司对外担保总额未超过最近一期经审计净资产的50%。"])


def bank_judgment(rng, w, e, date, other):
    amt, _ = amount_text(rng, 500, 20000)
    court = rng.choice(BANK_COURTS[:4])
    return (f"{e['name']}关于诉讼事项进展暨收到一审判决的公告", [
        f"近日，公司收到{court}作出的一审判决书，判决被告{other['name']}向公司支付货款{amt}及利息。",
        "本次判决为一审判决，尚未生效。"])


def bank_env(rng, w, e, date):
    proj = rng.choice(ENV_PROJECTS)
    amt, _ = amount_text(rng, 10000, 150000)
    return (f"{e['name']}关于项目获得环评批复的公告", [
        f"{e['name']}于{cdate(date)}收到{ENV_BUREAUS.get(city_of(e), '上海市生态环境局')}出具的"
        f"《关于{proj}环境影响报告书的批复》，项目总投资{amt}。",
        "项目建成后将进一步扩大公司产能。"])


def bank_ppp(rng, w, e, date):
    amt, _ = amount_text(rng, 50000, 300000)
    city = city_of(e)
    return (f"{e['name']}关于与{city}市人民政府签署投资合作协议的公告", [
        f"{e['name']}与{city}市人民政府签署《{rng.choice(['新能源产业园', '智慧水务', '综合管廊'])}项目投资合作协议》，"
        f"项目总投资约{amt}，合作期限{rng.choice([15, 20, 25])}年。"])


def bank_loan(rng, w, e, date):
    amt, _ = amount_text(rng, 5000, 100000)
    return (f"{e['name']}关于获得银行授信的公告", [
        f"{e['name']}近日获得{rng.choice(BANK_LENDERS)}{city_of(e)}分行综合授信额度{amt}，"
        f"授信期限{rng.choice(['一年', '两年', '三年'])}。"])


def bank_wealth(rng, w, e, date):
    amt, _ = amount_text(rng, 1000, 20000)
    y, m, d = date.split("-")
    due = f"2024年{rng.randint(7, 12)}月{int(d)}日"
    return (f"{e['name']}关于使用闲置自有资金购买理财产品的公告", [
        f"{cdate(date)}，公司使用自有资金{amt}购买{rng.choice(BANK_LENDERS)}“{rng.choice(['添利', '聚益', '稳盈'])}"
        f"{rng.randint(1, 9)}号结构性存款”，到期日{due}。"])


def bank_top5(rng, w, e, date, sup, custs):
    amt, _ = amount_text(rng, 2000, 30000)
    return (f"{e['name']}2023年年度报告摘要", [
        f"报告期内，公司向前五大供应商{sup['name']}的采购金额为{amt}，占年度采购总额的{rng.randint(50, 250) / 10:.1f}%。",
        "公司前五大客户分别为" + "、".join(c["name"] for c in custs[:-1]) + f"和{custs[-1]['name']}。"])


def write_bank_announcements(w, outdir, seed):
    rng = random.Random(seed * 7 + 3)
    corp = [e for e in w.ents if e["name"].endswith("公司")]
    docs = []
    for _ in range(3):
        e = rng.choice(corp)
        docs.append(bank_bond(rng, w, e, f"2024-{rng.randint(3, 6):02d}-{rng.randint(1, 28):02d}"))
    for _ in range(4):
        e, other = rng.sample(corp, 2)
        docs.append(bank_guarantee(rng, w, e, f"2024-{rng.randint(3, 6):02d}-{rng.randint(1, 28):02d}", other))
    for _ in range(2):
        e, other = rng.sample(corp, 2)
        docs.append(bank_judgment(rng, w, e, f"2024-{rng.randint(3, 6):02d}-{rng.randint(1, 28):02d}", other))
    for fn in (bank_env, bank_env, bank_ppp, bank_ppp, bank_loan, bank_loan, bank_wealth, bank_wealth):
        e = rng.choice(corp)
        docs.append(fn(rng, w, e, f"2024-{rng.randint(3, 6):02d}-{rng.randint(1, 28):02d}"))
    for _ in range(3):
        e, sup, c1, c2, c3 = rng.sample(corp, 5)
        docs.append(bank_top5(rng, w, e, f"2024-04-{rng.randint(1, 28):02d}", sup, [c1, c2, c3]))
    for i, (title, body) in enumerate(docs):
        date = rng.choice(["2024-05-20", "2024-06-10", "2024-06-25"])
        with open(os.path.join(outdir, f"b{i + 1:04d}.txt"), "w", encoding="utf-8") as f:
            f.write(text_doc(title, body, date))
    return len(docs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "sample"))
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--enterprises", type=int, default=300)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    w = World(rng)
    w.make_enterprises(args.enterprises)
    make_relations(w)
    for sub in ("registry", "announcements"):
        shutil.rmtree(os.path.join(args.out, sub), ignore_errors=True)
    write_registry(w, rm_list(), os.path.join(args.out, "registry"))
    write_announcements(w, os.path.join(args.out, "announcements"))
    write_bank_announcements(w, os.path.join(args.out, "announcements"), args.seed)
    n = len(os.listdir(os.path.join(args.out, "announcements")))
    print(f"wrote {len(w.ents)} enterprises, {len(w.persons)} persons, {len(w.holdings)} shareholdings, "
          f"{len(w.guarantees)} guarantees, {len(w.supplies)} supply relations, {n} announcement files "
          f"to {os.path.normpath(args.out)}")


if __name__ == "__main__":
    main()
