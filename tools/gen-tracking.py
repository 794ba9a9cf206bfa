#!/usr/bin/env python3
"""gen-tracking.py -- a deterministic sales process tracking table
(template 1 of the source document) as CSV, for tools/bench-csv.sh.

    python3 tools/gen-tracking.py ROWS OUT.csv [--seed N]

ROWS rows for ROWS/10 customers (codes C0000001, ...), about 10
interactions each (6 to 14, the total exactly ROWS), dated 2024-01-01 to
2024-10-31 in time order per customer; the file is in time order over
all customers, as a team's shared sheet grows.  A customer's stage
advances 線索 → 意向 → 方案 → 談判 → 成交 over its rows, as far as that
customer gets.  Cells are Chinese text of the lengths people write
(summaries 20 to 60 characters); some hold commas and quotes, so they are
quoted.  The same seed gives the same file, byte for byte.
"""
import argparse
import csv
import datetime
import random
import sys

HEADER = ["客戶編號", "客戶名稱", "行業", "聯系人", "職位", "聯系方式",
          "需求痛點", "溝通時間", "溝通方式", "參與人員", "溝通內容摘要",
          "客戶反饋", "跟進階段", "下一步行動", "負責人"]

CITIES = ["杭州", "蘇州", "深圳", "廣州", "成都", "武漢", "南京", "寧波",
          "廈門", "青島", "天津", "西安", "長沙", "合肥", "無錫", "佛山",
          "東莞", "濟南", "鄭州", "福州"]
WORDS = ["遠航", "華信", "恒達", "博源", "盛世", "金橋", "天成", "宏圖",
         "新創", "眾合", "藍海", "啟明", "瑞豐", "嘉禾", "中聯", "星辰",
         "信達", "永泰", "東方", "凱越", "德勝", "鼎盛", "智聯", "潤通"]
KINDS = ["科技", "電子", "物流", "機械", "貿易", "醫藥", "食品", "網絡",
         "新材料", "環保", "軟件", "實業"]
SUFFIXES = ["有限公司", "股份有限公司", "集團", "有限責任公司"]
INDUSTRIES = ["制造業", "互聯網", "零售", "物流", "醫療", "教育", "金融",
              "能源", "建筑", "餐飲"]
SURNAMES = "王李張劉陳楊黃趙吳周徐孫馬朱胡郭何高林羅鄭梁謝宋唐許韓馮鄧曹"
TITLES = ["采購總監", "技術負責人", "總經理", "IT經理", "運營總監", "財務經理",
          "信息部主管", "副總裁", "項目經理", "行政主管"]
CONTACT_TITLES = ["經理", "總監", "總", "主任", "工"]
PAINS = ["供應鏈效率低，倉儲成本高", "系統穩定性不足，需擴容",
         "數據分散在多個系統，報表靠人工匯總", "客戶流失率高，缺少跟進工具",
         "審批流程長，跨部門協作慢", "門店庫存不準，經常缺貨",
         "舊系統維護成本高，供應商已停止支持", "銷售預測不準，備貨壓力大",
         "現場人員多，考勤和派工混亂", "合規審計要求提高，留痕不足"]
CHANNELS = ["電話", "面談", "線上會議", "郵件"]
STAGES = ["線索", "意向", "方案", "談判", "成交"]
OWNERS = ["王芳", "李強", "張偉", "劉洋", "陳靜", "楊帆", "黃磊", "趙敏",
          "吳昊", "周婷", "徐明", "孫悅", "馬超", "朱琳", "胡斌", "郭蕾",
          "何俊", "高翔", "林雪", "羅毅"]
ROLES = ["銷售", "技術", "產品", "售前", "實施"]

# Summaries: an opening, what was shown or discussed, the customer's
# point; 20 to 60 characters once joined.
OPEN = ["介紹", "演示", "電話回訪，確認", "上門拜訪，講解", "線上演示",
        "郵件發送", "與客戶技術團隊討論", "向采購部門說明", "復盤上次溝通的",
        "補充說明"]
TOPICS = ["智能倉儲解決方案", "系統架構方案", "數據中台規劃", "報價明細",
          "實施周期和人員安排", "售後服務條款", "試點方案", "接口兼容性測試結果",
          "同行業客戶案例", "年度框架合同草案", "移動端功能", "權限和審計設計"]
POINTS = ["客戶對“庫存周轉率提升30%”數據感興趣，要求提供案例",
          "客戶關注擴容后的響應速度，提出需兼容舊系統",
          "客戶認可思路，但擔心上線期間影響業務",
          "對方希望分兩期實施，先做核心模塊",
          "采購提出價格偏高，希望再讓利5%",
          "技術負責人要求補充安全測試報告",
          "客戶內部還在比較兩家供應商",
          "對方確認預算已批，等待法務審核",
          "客戶詢問培訓安排和驗收標準",
          "老板親自參加，問了很多落地細節",
          "客戶要求提供本地化部署的報價",
          "對方提出\"先試用一個月\"，再決定是否采購"]
FEEDBACK = ["“需內部討論，下周反饋預算”", "“技術團隊評估后，下周安排二次溝通”",
            "方案基本認可，價格還要再談", "暫無明確反饋", "“很感興趣，盡快安排演示”",
            "希望看到更多同行案例", "預算要到下季度才能確定",
            "對方表示滿意，準備走合同流程", "擔心數據遷移風險",
            "\"價格, 工期, 服務\"三方面都要書面確認"]
NEXT = ["提交客戶案例與技術白皮書", "提供兼容性測試報告", "安排技術交流會",
        "發送正式報價單", "約客戶高層面談", "準備試點實施計劃",
        "跟進法務審核進度", "寄送合同文本", "安排上門演示", "電話確認需求細節"]

START = datetime.date(2024, 1, 1)
DAYS = (datetime.date(2024, 10, 31) - START).days + 1


def company(rng):
    return (rng.choice(CITIES) + rng.choice(WORDS) + rng.choice(KINDS) +
            rng.choice(SUFFIXES))


def person(rng):
    return rng.choice(SURNAMES) + rng.choice(CONTACT_TITLES)


def phone(rng):
    return "1" + rng.choice("3589") + "".join(rng.choice("0123456789")
                                                for _ in range(9))


def summary(rng):
    s = rng.choice(OPEN) + rng.choice(TOPICS) + "，" + rng.choice(POINTS)
    if rng.random() < 0.3:
        s += "，下次溝通帶上" + rng.choice(TOPICS)
    return s[:60]


def participants(rng, owner):
    p = owner + "（" + rng.choice(ROLES[:1]) + "）"
    if rng.random() < 0.5:
        other = rng.choice(OWNERS)
        # Some sheets separate people with an ASCII comma: a quoted cell.
        sep = ", " if rng.random() < 0.3 else "、"
        p += sep + other + "（" + rng.choice(ROLES[1:]) + "）"
    return p


def next_action(rng, when):
    act = rng.choice(NEXT)
    if rng.random() < 0.6:
        due = when + datetime.timedelta(days=rng.randint(2, 14))
        return "%d月%d日%s" % (due.month, due.day, act)
    return act


def main():
    ap = argparse.ArgumentParser(description="template 1 tracking CSV")
    ap.add_argument("rows", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rows, out, seed = a.rows, a.out, a.seed
    if rows < 1:
        ap.error("ROWS must be at least 1")
    rng = random.Random(seed)
    ncust = max(1, rows // 10)
    # 10 ± d rows for customers in pairs (d in 0..4), so the total stays
    # 10 per customer; the remainder goes to the last customer.
    counts = []
    for i in range(0, ncust, 2):
        d = rng.randint(0, 4)
        counts.append(10 + d)
        if i + 1 < ncust:
            counts.append(10 - d)
    counts[-1] += rows - sum(counts)
    if counts[-1] < 1:  # tiny ROWS: fewer, larger customers
        counts = [rows]
    lines = []  # (minute since START, customer, row within customer, cells)
    for ci, n in enumerate(counts):
        code = "C%07d" % (ci + 1)
        name = company(rng)
        industry = rng.choice(INDUSTRIES)
        contacts = [(person(rng), rng.choice(TITLES), phone(rng))]
        if rng.random() < 0.2:
            contacts.append((person(rng), rng.choice(TITLES), phone(rng)))
        pain = rng.choice(PAINS)
        owner = rng.choice(OWNERS)
        # How far this customer gets: most stop early, some sign.
        final = rng.choices(range(5), weights=[15, 30, 25, 15, 15])[0]
        days = sorted(rng.sample(range(DAYS), min(n, DAYS)))
        while len(days) < n:  # more rows than days: same days again
            days.append(days[-1])
        minute = None
        for k in range(n):
            m = days[k] * 1440 + rng.randint(9 * 60, 18 * 60 - 1)
            if minute is not None and m <= minute:
                m = minute + 1
            minute = m
            when = START + datetime.timedelta(days=m // 1440)
            at = "%s %02d:%02d" % (when.isoformat(), m % 1440 // 60, m % 60)
            stage = STAGES[k * (final + 1) // n]
            ct = contacts[0] if k < n // 2 or len(contacts) == 1 else contacts[1]
            cells = [code, name, industry, ct[0], ct[1], ct[2], pain, at,
                     rng.choice(CHANNELS), participants(rng, owner),
                     summary(rng), rng.choice(FEEDBACK), stage,
                     next_action(rng, when), owner]
            lines.append((m, ci, k, cells))
    lines.sort(key=lambda r: (r[0], r[1], r[2]))
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(HEADER)
        for r in lines:
            w.writerow(r[3])


if __name__ == "__main__":
    main()
