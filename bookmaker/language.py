"""Guess an article's language (BCP 47) from its script, and Simplified from Traditional Chinese."""

from __future__ import annotations

import re

from .sections import path_segments

#: Common characters written only in Simplified Chinese (their Traditional forms differ).
SIMPLIFIED_ONLY = frozenset(
    "这们个说时国来会为对发经过还进开关问间门长见现让认识读语话请谁论议记设计许该变动员"
    "实头东车马鸟鱼书买卖钱银铁钟错电网级线红绿给结统组织约纪终细续总样称稳积节药艺"
    "专业丛丝两严丧临丽举义乐乔习乡乱争亏亚产亩亲亿仅从仓仪众优伞伟传伤伦伪侠侣侦"
    "侧侨俭债倾偿储儿兑兰兴养兽册写军农冯决况冻净减凤凭击则刚创删刘别剑剧劝办务劳势勋"
    "区医华协单卫却厂厅历压厌县参双叹吗听启呜响哑哗唤团园围图圣场坏块坚坛坝执扩扫扬护报"
    "担拥择挤挥掷摄摆无旧显晋晓术机杀杂权条杨极构枪标树档桥检欢欧岁归毁毕汇汉汤沟没泽"
    "济浅测浓涛润涨渐温湾灭灯灵灾炉点炼烦烧热爱爷牵状独狮猎环琐画畅疗瘾盖盘监矿码砖础"
    "确礼祸离穷窃竞笔笼简签类粮纠纤纯纲纳纵纷纸练绍绑绕绘络绝继绩绪维综缓编缘缩罗罚职联"
    "声肃脑脸舰艰芦苏荣获莱营萧虽虾蚀补装观规视览觉誉订讨训讯讲讳讽访证评诉词译试诗诚询"
    "详误诸调谈谋谓谢谱贝负贡财责贤败货质贩贪购贯贴贵费贸资赌赏赖赛赞赢赵趋跃践轨转轮软"
    "轻载较辆辈辑输辞边辽达迁运远违连迟选递逻遗邓邮邻郑酱释针钢铜链销锁锋键镇镜闭闲闹"
    "闻阅队阳阴阵阶际陆陈险随隐难雾须顶项顺预领频题颜额风飞饭饮馆驱验骂骑鸡龙齐齿"
)

#: Common characters written only in Traditional Chinese (their Simplified forms differ).
TRADITIONAL_ONLY = frozenset(
    "這們個說時國來會為對發經過還進開關問間門長見現讓認識讀語話請誰論議記設計許該變動員"
    "實頭體東車馬鳥魚書買賣錢銀鐵鐘錯電網級線紅綠給結統組織約紀終細續總樣種稱穩積節藥藝"
    "萬與專業叢絲兩嚴喪臨麗舉義樂喬習鄉亂爭虧亞產畝親億僅從倉儀價眾優傘偉傳傷倫偽俠侶偵"
    "側僑儉債傾償儲兒兌黨蘭興養獸冊寫軍農馮決況凍淨減鳳憑擊則剛創刪劉別劍劇勸辦務勞勢勳"
    "區醫華協單衛卻廠廳歷壓厭縣參雙嘆嗎聽啟嗚響啞嘩喚團園圍圖聖場壞塊堅壇壩執擴掃揚護報"
    "擔擁擇擠揮據擲攝擺無舊顯晉曉術機殺雜權條楊極構槍標樹檔橋檢歡歐歲歸毀畢匯漢湯溝沒澤"
    "潔濟淺測濃濤潤漲漸溫灣滅燈靈災爐點煉煩燒熱愛爺牽狀獨獅獵環瑣畫暢療癮蓋盤監礦碼磚礎"
    "確禮禍離窮竊競筆籠簡簽類糧糾纖純綱納縱紛紙練紹綁繞繪絡絕繼績緒維綜緩編緣縮羅罰職聯"
    "聲肅腦臉艦艱蘆蘇榮獲萊營蕭雖蝦蝕補裝觀規視覽覺譽訂討訓訊講諱諷訪證評訴詞譯試詩誠詢"
    "詳誤諸調談謀謂謝譜貝負貢財責賢敗貨質販貪購貫貼貴費貿資賭賞賴賽贊贏趙趨躍踐軌轉輪軟"
    "輕載較輛輩輯輸辭邊遼達遷運遠違連遲適選遞邏遺鄧郵鄰鄭醬釋針鋼銅鏈銷鎖鋒鍵鎮鏡閉閒鬧"
    "聞閱隊陽陰陣階際陸陳險隨隱難霧須頂項順預領頻題顏額風飛飯飲館驅驗罵騎雞龍齊齒"
)

# Patterns match runs, and characters are counted as what a substitution removes:
# no match object or string per character (findall made a string of each one).
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]+")
_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9d]+")
#: Letter counts of alphabetic scripts are divided by this to compare them with Han
#: characters, roughly one syllable each.
_LETTERS_PER_HAN = 4
_ALPHABETS = (
    ("ko", re.compile("[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]+"), 1),
    ("ru", re.compile("[\u0400-\u04ff]+"), _LETTERS_PER_HAN),
    ("el", re.compile("[\u0370-\u03ff]+"), _LETTERS_PER_HAN),
    ("he", re.compile("[\u0590-\u05ff]+"), _LETTERS_PER_HAN),
    ("ar", re.compile("[\u0600-\u06ff]+"), _LETTERS_PER_HAN),
    ("th", re.compile("[\u0e00-\u0e7f]+"), 2),
    ("en", re.compile("[A-Za-z\u00c0-\u024f]+"), _LETTERS_PER_HAN),
)
#: Japanese text mixes kana into its kanji; Chinese uses kana only for the odd name.
_KANA_SHARE_JAPANESE = 0.1
#: Enough text to decide; a 200,000-character article need not be read to the end.
_SAMPLE = 50_000

_URL_HINTS = {
    "zh-hant": "zh-Hant", "hant": "zh-Hant", "zh-tw": "zh-Hant", "zh-hk": "zh-Hant",
    "zh-hans": "zh-Hans", "hans": "zh-Hans", "zh-cn": "zh-Hans",
}
DEFAULT_LANGUAGE = "zh-Hans"

_NOT_SCRIPT_SPECIFIC = re.compile(
    "[^" + "".join(sorted(SIMPLIFIED_ONLY | TRADITIONAL_ONLY)) + "]+")
_SIMPLIFIED = re.compile("[" + "".join(sorted(SIMPLIFIED_ONLY)) + "]+")
_TRADITIONAL = re.compile("[" + "".join(sorted(TRADITIONAL_ONLY)) + "]")


def detect_language(text: str, url: str = "") -> str:
    """The BCP 47 tag of ``text``; an edition segment of ``url`` (``/zh-hant/``) wins.

    Latin script is taken as English: telling Latin-script languages apart is out of
    scope for a Chinese-news archive. Text without letters gets :data:`DEFAULT_LANGUAGE`.
    """
    for segment in path_segments(url):
        if segment in _URL_HINTS:
            return _URL_HINTS[segment]
    sample = text[:_SAMPLE]
    han = _count(_HAN, sample)
    kana = _count(_KANA, sample)
    best_tag, best_weight = "", 0.0
    # No alphabet can outweigh Han and kana that are at least as many as all the other
    # characters (its weight is at most its letter count); most articles stop here.
    if han + kana < len(sample) - han - kana or han + kana == 0:
        for tag, pattern, letters_per_unit in _ALPHABETS:
            weight = _count(pattern, sample) / letters_per_unit
            if weight > best_weight:
                best_tag, best_weight = tag, weight
    if han + kana == 0 and best_weight == 0:
        return DEFAULT_LANGUAGE
    if han + kana >= best_weight:
        if kana > 0 and kana >= _KANA_SHARE_JAPANESE * (han + kana):
            return "ja"
        return chinese_script(sample)
    return best_tag


def chinese_script(text: str) -> str:
    """``zh-Hant`` when more script-specific characters are Traditional, else ``zh-Hans``."""
    # Most texts use one script only: a search that finds nothing settles it.
    if not _TRADITIONAL.search(text):
        return "zh-Hans"
    if not _SIMPLIFIED.search(text):
        return "zh-Hant"
    specific = _NOT_SCRIPT_SPECIFIC.sub("", text)
    simplified = _count(_SIMPLIFIED, specific)
    return "zh-Hant" if len(specific) - simplified > simplified else "zh-Hans"


def _count(pattern: re.Pattern[str], text: str) -> int:
    """How many characters of ``text`` the runs that ``pattern`` matches hold."""
    return len(text) - len(pattern.sub("", text))
