"""Keyword lexicons per language (JSON data files), read by :func:`crossdesk.classify.load_lexicons`.

A package so that installs ship the files with it; it also holds :func:`spelling_variants`, the
spellings of a keyword that buyers type for the same word and that the matcher's folding does not cover
(it folds case and width, not accents): a lexicon lists each word once, in its correct spelling.
"""

from __future__ import annotations

import unicodedata

__all__ = ["spelling_variants", "to_traditional"]

#: Languages written in the Latin script, where phone keyboards without the right layout drop accents.
_LATIN = frozenset({"en", "de", "fr", "es", "it", "pt", "nl", "pl", "tr"})
#: Letters that do not decompose into a base letter and a mark.
_BARE = str.maketrans({"ł": "l", "Ł": "L", "ı": "i", "ø": "o", "đ": "d"})
#: German without umlauts is usually written with the e: "zurueck", "grosse".
_UMLAUT_E = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
#: Arabic as typed on phones: short-vowel marks left out, hamza seats on alef dropped, final ya as alef maqsura.
_ARABIC = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي"} | {chr(c): None for c in range(0x064B, 0x0653)}
)

#: Simplified -> traditional for the characters the zh lexicon uses. Written by hand, one character each:
#: Taiwan and Hong Kong buyers write traditional characters, and the matcher's folding does not convert
#: scripts. Characters that are the same in both scripts are simply absent. Where one simplified
#: character stands for two traditional ones, the one a buyer means in these keywords is listed
#: (发 -> 發 as in 發貨, 发票; 里 -> 裡 as in 在哪裡; 干 is not used; 台 stays).
_HANT_PAIRS = (
    "订訂 单單 货貨 发發 没沒 还還 坏壞 损損 错錯 换換 运運 输輸 递遞 达達 问問 题題 质質 评評 价價 给給 钱錢 "
    "银銀 诉訴 讼訟 师師 协協 会會 费費 买買 卖賣 东東 谢謝 满滿 欢歡 爱愛 时時 么麼 吗嗎 码碼 颜顏 号號 实實 "
    "际際 图圖 样樣 这這 个個 为為 处處 动動 块塊 开開 电電 话話 网網 线線 态態 务務 联聯 应應 该該 让讓 说說 "
    "证證 据據 举舉 报報 经經 过過 后後 边邊 准準 备備 几幾 两兩 周週 礼禮 签簽 丢丟 装裝 烂爛 划劃 旧舊 脏髒 "
    "头頭 产產 规規 参參 数數 适適 够夠 库庫 现現 补補 场場 赔賠 偿償 骗騙 劲勁 恶惡 赞讚 优優 荐薦 购購 关關 "
    "闭閉 销銷 绝絕 请請 帮幫 烦煩 尽盡 马馬 着著 迟遲 邮郵 询詢 踪蹤 迹跡 状狀 显顯 从從 仍仍 刚剛 才才 "
    "丝絲 纸紙 级級 约約 纠糾 纷紛 责責 负負 违違 规規 权權 益益 护護 执執 统統 设設 计計 认認 识識 讯訊 "
    "记記 录錄 车車 仓倉 门門 园園 区區 县縣 乡鄉 镇鎮 楼樓 层層 厂廠 轻輕 重重 缺缺 碎碎 伤傷 弯彎 断斷 "
    "变變 紧緊 宽寬 长長 短短 码碼 鞋鞋 衣衣 裤褲 带帶 条條 双雙 套套 盒盒 箱箱 袋袋 瓶瓶 罐罐 杯杯 锅鍋 "
    "灯燈 机機 线線 插插 头頭 池池 充充 办辦 难難 傻傻 恼惱 气氣 亏虧 糟糟 惨慘 无無 语語 让讓 拒拒 "
    "确確 认認 严嚴 状狀 况況 货貨 寄寄 件件 递遞 单單 账賬 户戶 额額 团團 优優 惠惠 券券 积積 账帳 "
    "们們 么麼 写寫 讲講 试試 该該 决決 议議 复復 观觀 乐樂 喜喜 爱愛 赶趕 紧緊 没沒 挂掛 号號 亿億 "
    "争爭 亚亞 压壓 夸誇 对對 张張 径徑 愤憤 来來 残殘 湿濕 灵靈 炉爐 监監 离離 税稅 编編 虾蝦 见見 诈詐 "
    "调調 谱譜 转轉 选選 逊遜 遗遺 间間 项項 预預 颗顆 里裡 别別"
)
_HANT = {pair[0]: pair[1] for pair in _HANT_PAIRS.split() if pair[0] != pair[1]}


def to_traditional(text: str) -> str:
    """``"还没收到订单"`` -> ``"還沒收到訂單"``: character by character, through the table above."""
    return "".join(_HANT.get(c, c) for c in text)


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.translate(_BARE))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def spelling_variants(keyword: str, language: str) -> list[str]:
    """The keyword and the other spellings buyers of ``language`` type for it, without repeats: without
    accents (Latin script), German umlauts as ``ae``/``oe``/``ue``, English contractions without the
    apostrophe, the typographic apostrophe of phone keyboards, Arabic without vowel marks or hamza, and
    traditional Chinese. Not inflections: those are listed in the lexicons."""
    out = [keyword]
    if "'" in keyword:
        out.append(keyword.replace("'", "\u2019"))
        if language == "en":
            out.append(keyword.replace("'", ""))
    if language in _LATIN or language == "*":
        out.append(_strip_marks(keyword))
    if language == "de":
        out.append(keyword.lower().translate(_UMLAUT_E))
    if language == "ar":
        out.append(keyword.translate(_ARABIC))
    if language == "zh":
        out.append(to_traditional(keyword))
    seen: dict[str, None] = {}
    for v in out:
        if v.strip():
            seen.setdefault(v, None)
    return list(seen)
