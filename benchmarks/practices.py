"""The toolbox's search at the size of a network that has used it for years, on SQLite and on PostgreSQL.

The network has the default themes and regions. 3,000 members wrote 50,000 published practices (and 5% more that
wait for review, wait for their author's changes or were declined), each with a title and a few paragraphs drawn
from a vocabulary of about 4,000 words in English, French, Spanish, Russian, Arabic and Chinese (Chinese written
without spaces, as it is) with the names of places, groups and people among them, 1–3 themes, a region for most
and a typed place for some; members said "worked for us too" of them, most of them never, a few many times. The
rows are written with the database's own `executemany` in one transaction, and the search index is filled in the
same transaction by `PracticeRepository.reindex_in`, exactly as the repository fills it for one practice.

Then a few hundred searches, `/practices <words> theme:<theme>`, each sent by a member through the whole core
(`Core.handle_message` with a console `Incoming`: parsing, the search, the page's lines and its buttons written),
and the same searches straight through `PracticeRepository.find` (the page of five and the count), to show how
much of the time is the database's. Five kinds of words, in turn: one common word, two words, a rare word (a
name of the vocabulary's long tail, in a few to a few hundred practices), a Chinese word of two characters, a word
that matches nothing.

Prints, per engine: the time to build the data set, then per kind of words and over all the searches, how many
practices matched on average and the latency p50, p99 and max through the repository and through the core
(target: p99 under 100 ms through the core); and, for the slowest search of each kind, the plan of the query
`find` runs (SQLite's EXPLAIN QUERY PLAN; PostgreSQL's EXPLAIN ANALYZE) with `--explain`.

    python benchmarks/practices.py [--engines sqlite,postgresql] [--practices 50000] [--queries 400]
                                   [--budget 90] [--explain]

PostgreSQL: the server `SOLIDARITY_TEST_POSTGRESQL` names, else one started for the run (tests/postgres.py).
Each path (find, the core) has `--budget` seconds per engine for its searches: where searches are slow, fewer of
them are timed, and the output says how many. At 50,000 practices one engine takes up to about five minutes on
two cores (half a minute to a minute to build the data set); `--practices 5000` is a quick check.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import itertools
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import IDENTITY_COLUMNS, Silent, connect, identity, on_each_engine  # noqa: E402
from bot.app import network_from, tune_garbage_collector  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers.capabilities import all_routers  # noqa: E402
from handlers.core import Core, Services  # noqa: E402
from handlers.events import Incoming, Person  # noqa: E402
from handlers.network import ACTOR_KINDS, Network  # noqa: E402
from handlers.practices.common import LIMITS, RESULTS  # noqa: E402
from storage import Repositories  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.practices import PracticeRepository, Query  # noqa: E402
from storage.search import words as indexed_words  # noqa: E402

MEMBERS = 3000
UNPUBLISHED = 0.05  # practices beside the published ones: waiting for review, for their author's changes, declined
KINDS = ("common word", "two words", "rare word", "Chinese word", "no match")

# The vocabulary: per language, the small words every sentence has, then the words of the field, commonest first
# (text draws them on a Zipf-like spread, so the first few are in a large share of the practices).
STOP = {
    "en": "the of and to in a for with on by from at as is was were we our they their it that this who which be "
          "have had not more all each after before about into through between also but or when where",
    "fr": "le la les de des du et à en pour avec sur par dans une un au aux qui que nous notre nos leur leurs est "
          "sont ont été pas plus chaque après avant entre aussi mais ou quand",
    "es": "el la los las de del y en con para por una un que nuestro nuestra sus se es son más cada después antes "
          "sobre entre también pero cuando donde",
    "ru": "и в на с для по из к о от что как это мы наши их не все после до при также но или когда где",
    "ar": "في من على إلى و مع عن هذا هذه التي الذي كل بعد قبل لم لا كما أو ثم حيث",
    "zh": "的 和 在 与 为 了 对 我们 他们 通过 以及 每 也 并 但",
}
FIELD = {
    "en": "migrants refugees community workshop campaign volunteers legal support rights training health families "
          "women children online detention workers asylum local hate speech social media journalists stories "
          "schools language classes housing labour discrimination network data advocacy city council police "
          "border trafficking victims clinic centre youth teachers students mental care nurses doctors shelter "
          "interpreters translation human employers unions wages contracts racism xenophobia platforms "
          "moderation reporting newsroom narratives positive myths rumours facts survey research report "
          "evidence policy lawmakers municipality authorities crossing smugglers partners coalition meetings "
          "dialogue mediation inclusion cohesion neighbours festival football sports music theatre art "
          "exhibition radio podcast video documentary film photography cards leaflets posters hotline helpline "
          "app website guide toolkit handbook curriculum mentoring buddy programme project pilot funding grant "
          "budget donors fundraising outreach awareness dignity trust safety protection documents permits visa "
          "residence regularisation registration vaccination testing food distribution transport employment "
          "jobs skills recognition diplomas integration welcome reception return deportation monitoring visits "
          "lawyers court appeals hearings interviews counselling trauma psychosocial peer groups elders "
          "religious leaders mosque church diaspora remittances farmworkers domestic seasonal fishermen factory "
          "construction delivery riders gig economy strike petition march vigil hackathon fact-checking "
          "counter-speech memes hashtags influencers algorithm",
    "fr": "migrants réfugiés association atelier campagne bénévoles accompagnement juridique droits formation "
          "santé familles femmes enfants discours haine rétention travailleurs asile quartier réseaux sociaux "
          "journalistes témoignages écoles langue cours logement hébergement travail discrimination données "
          "plaidoyer mairie préfecture police frontière passeurs traite victimes soutien permanence centre "
          "jeunes enseignants élèves mentale soins interprètes traduction humains employeurs syndicats salaires "
          "contrats racisme xénophobie plateformes signalement rédaction récits rumeurs préjugés enquête "
          "rapport élus municipalité collectivités réseau partenaires collectif réunions dialogue médiation "
          "inclusion cohésion voisins festival football sport musique théâtre exposition radio vidéo "
          "documentaire photographie affiches tracts guide parrainage marraines projet financement subvention "
          "budget sensibilisation dignité confiance protection papiers titres séjour régularisation "
          "domiciliation vaccination alimentaire distribution transport emploi compétences diplômes accueil "
          "intégration expulsion visites avocats tribunal recours audiences entretiens écoute traumatisme "
          "pair-aidance groupes diaspora saisonniers livreurs grève pétition manifestation rassemblement "
          "désinformation",
    "es": "migrantes personas refugiados comunidad taller campaña voluntarias acompañamiento derechos capacitación "
          "salud familias mujeres niñas niños odio discurso detención trabajadores asilo barrio redes sociales "
          "periodistas testimonios escuelas idioma clases vivienda albergue trabajo discriminación datos "
          "incidencia municipio ayuntamiento policía frontera coyotes trata víctimas apoyo asesoría jurídica "
          "centro jóvenes docentes estudiantes mental atención intérpretes traducción humanos empleadores "
          "sindicatos salarios contratos racismo xenofobia plataformas denuncias historias narrativas rumores "
          "mitos encuesta informe autoridades fronteras red aliados organizaciones reuniones diálogo mediación "
          "inclusión convivencia vecinos festival fútbol deporte música teatro exposición radio vídeo "
          "documental fotografía carteles folletos línea guía mentoría proyecto financiamiento presupuesto "
          "sensibilización dignidad confianza protección documentos permisos residencia regularización "
          "vacunación alimentos reparto transporte empleo habilidades títulos acogida integración deportación "
          "retorno visitas abogados tribunal recursos audiencias entrevistas trauma psicosocial grupos diáspora "
          "remesas jornaleros temporeros repartidores huelga marcha desinformación verificación",
    "ru": "мигранты беженцы сообщество семинар кампания волонтёры помощь права обучение здоровье семьи женщины "
          "дети ненависть задержание работники убежище соцсети журналисты истории школы язык курсы жильё труд "
          "дискриминация данные город власти полиция граница торговля людьми жертвы поддержка юридическая "
          "консультации центр молодёжь учителя психологическая переводчики перевод человека трудовые "
          "работодатели профсоюзы зарплата договоры расизм ксенофобия вражды платформы мифы слухи опрос доклад "
          "адвокация сеть партнёры встречи диалог медиация интеграция соседи фестиваль футбол спорт музыка "
          "театр выставка радио видео фильм листовки плакаты горячая линия руководство наставничество проект "
          "финансирование бюджет документы разрешения регистрация вакцинация продукты транспорт работа навыки "
          "дипломы приём депортация адвокаты суд жалобы собеседования травма группы диаспора переводы сезонные "
          "курьеры забастовка петиция дезинформация",
    "ar": "المهاجرين اللاجئين المجتمع ورشة حملة المتطوعين مساعدة حقوق تدريب الصحة الأسر النساء الأطفال خطاب "
          "الكراهية الاحتجاز العمال اللجوء وسائل التواصل الاجتماعي الصحفيين قصص المدارس اللغة دروس السكن العمل "
          "التمييز البيانات البلدية السلطات الشرطة الحدود المهربين الاتجار بالبشر الضحايا الدعم القانونية مركز "
          "الشباب المعلمين النفسية الرعاية مترجمين الترجمة الإنسان أصحاب النقابات الأجور العقود العنصرية "
          "الأجانب المنصات الروايات الشائعات استطلاع تقرير المناصرة الشبكة الشركاء اجتماعات الحوار الوساطة "
          "الإدماج التماسك الجيران مهرجان كرة القدم الرياضة الموسيقى المسرح معرض إذاعة فيديو فيلم ملصقات منشورات "
          "خط ساخن دليل الإرشاد مشروع التمويل الميزانية التوعية الكرامة الثقة الحماية الوثائق تصاريح الإقامة "
          "التسجيل التطعيم الغذاء توزيع النقل التوظيف المهارات الشهادات الاستقبال الترحيل زيارات المحامين "
          "المحكمة الطعون الصدمة مجموعات الشتات التحويلات الموسميين إضراب عريضة التضليل",
    "zh": "移民 难民 社区 工作坊 宣传 志愿者 法律 援助 权利 培训 健康 家庭 妇女 儿童 仇恨 言论 拘留 工人 庇护 "
          "社交 媒体 记者 故事 学校 语言 课程 住房 劳工 歧视 数据 倡导 城市 警察 边境 贩运 受害者 支持 活动 中心 "
          "青年 教师 学生 心理 医疗 翻译 人权 雇主 工会 工资 合同 种族主义 仇外 平台 举报 叙事 谣言 调查 报告 "
          "政府 蛇头 网络 伙伴 会议 对话 调解 融入 邻居 节日 足球 体育 音乐 戏剧 展览 电台 节目 视频 纪录片 "
          "摄影 海报 传单 热线 指南 手册 导师 项目 资金 预算 意识 尊严 信任 保护 证件 居留 登记 疫苗 食物 分发 "
          "交通 就业 技能 文凭 接待 遣返 探访 律师 法院 上诉 创伤 小组 侨民 汇款 季节工 外卖 罢工 请愿 "
          "虚假信息 互助",
}
LANGUAGES = {"en": 0.45, "fr": 0.15, "es": 0.15, "ru": 0.08, "ar": 0.08, "zh": 0.09}  # what practices are written in
LOANWORDS = "WhatsApp Facebook TikTok Telegram Zoom podcast hackathon QR".split()
SYLLABLES = "ka lo mi ra ve to sa ne ri da bo lu ta mo zi ar el en or is an ku pe go fa ni sh va yu".split()
NAMES = 3000  # of places, groups and people: the vocabulary's long tail


def zipf(n: int, s: float = 1.0) -> list[float]:
    """Cumulative Zipf-like weights for n items, for `random.choices(cum_weights=…)`."""
    return list(itertools.accumulate(1 / (k ** s) for k in range(1, n + 1)))


class Writer:
    """Titles and texts as members write them: mostly in one language, with the small words of that language,
    the words of the field, now and then a name, and in other languages an English loanword."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        names: dict[str, None] = {}
        while len(names) < NAMES:
            names["".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))).capitalize()] = None
        self.names = list(names)
        self.name_weights = zipf(len(self.names))
        self.stop = {code: text.split() for code, text in STOP.items()}
        self.field = {code: text.split() for code, text in FIELD.items()}
        self.field_weights = {code: zipf(len(words), 0.9) for code, words in self.field.items()}
        self.languages, self.language_weights = list(LANGUAGES), list(itertools.accumulate(LANGUAGES.values()))

    @property
    def vocabulary(self) -> set[str]:
        return {*self.names, *LOANWORDS, *itertools.chain(*self.stop.values(), *self.field.values())}

    def language(self) -> str:
        return self.rng.choices(self.languages, cum_weights=self.language_weights)[0]

    def name(self) -> str:
        return self.rng.choices(self.names, cum_weights=self.name_weights)[0]

    def words(self, code: str, count: int, small: float) -> list[str]:
        """`count` words of one language, a share `small` of them its small words."""
        rng = self.rng
        field = rng.choices(self.field[code], cum_weights=self.field_weights[code], k=count)
        out = []
        for word in field:
            draw = rng.random()
            if draw < small:
                out.append(rng.choice(self.stop[code]))
            elif draw < small + 0.05:
                out.append(self.name())
            elif code != "en" and draw < small + 0.07:
                out.append(rng.choice(LOANWORDS))
            else:
                out.append(word)
        return out

    def title(self, code: str) -> str:
        words = self.words(code, self.rng.randint(3, 8), 0.15)
        text = "".join(words) if code == "zh" else " ".join(words)
        return (text[:1].upper() + text[1:])[:LIMITS["title"]]

    def text(self, code: str, sentences: int, limit: int) -> str:
        made = []
        for _ in range(sentences):
            words = self.words(code, self.rng.randint(6, 18), 0.2 if code == "zh" else 0.35)
            if code == "zh":
                made.append("".join(words) + "。")
            else:
                sentence = " ".join(words)
                made.append(sentence[:1].upper() + sentence[1:] + ".")
        return ("" if code == "zh" else " ").join(made)[:limit]


@dataclasses.dataclass
class DataSet:
    members: list[tuple]
    identities: list[tuple]
    practices: list[tuple]
    themes: list[tuple]
    reports: list[tuple]
    published: int
    unpublished: int


def make_data(count: int, network: Network, writer: Writer, rng: random.Random) -> DataSet:
    """Every row of the network's toolbox (members first: practices and reports point to them)."""
    now = int(time.time())
    themes, regions = [c.id for c in network.themes], [c.id for c in network.regions]
    theme_weights, region_weights = zipf(len(themes), 0.8), zipf(len(regions), 0.8)
    kinds = [k.id for k in ACTOR_KINDS]
    members = [(i, "organiser" if i == 1 else "member", f"Member {i}", rng.choice(kinds), "UTC", f"Signal {i}", 1,
                now, now, now) for i in range(1, MEMBERS + 1)]
    identities = [("console", f"m{i}", i, now) for i in range(1, MEMBERS + 1)]
    author_weights = zipf(MEMBERS, 0.7)  # a few members share many practices, most a few
    unpublished = int(count * UNPUBLISHED)
    waiting = set(rng.sample(range(1, count + unpublished + 1), unpublished))
    practices, practice_themes, reports = [], [], []
    for n in range(1, count + unpublished + 1):
        code = writer.language()
        status = rng.choice(("pending", "changes", "declined", "declined")) if n in waiting else "approved"
        draw = rng.random()
        region = rng.choices(regions, cum_weights=region_weights)[0] if draw < 0.8 else None
        place = f"{writer.name()}, {writer.name()}" if 0.8 <= draw < 0.95 else None
        created = now - rng.randint(0, 3 * 365 * 86400)
        published = created + rng.randint(3600, 14 * 86400) if status == "approved" else None
        practices.append((
            n, rng.choices(range(1, MEMBERS + 1), cum_weights=author_weights)[0], int(rng.random() < 0.1),
            writer.title(code), writer.text(code, rng.randint(2, 7), LIMITS["what"]), region, place,
            rng.choice(kinds), writer.text(code, rng.randint(1, 3), LIMITS["worked"]),
            writer.text(code, rng.randint(0, 2), LIMITS["not_worked"]),
            writer.text(code, rng.randint(0, 1), LIMITS["needs"]),
            f"https://example.org/practices/{n}" if rng.random() < 0.2 else None,
            "organisers" if rng.random() < 0.03 else "network", status,
            "Please say what it cost" if status == "changes" else None, 1 if status != "pending" else None,
            created, published or created, published))
        for theme in dict.fromkeys(rng.choices(themes, cum_weights=theme_weights, k=rng.choice((1, 1, 2, 2, 3)))):
            practice_themes.append((n, theme))
        # "Worked for us too": most practices never hear it, a few hear it from hundreds of members.
        if status == "approved" and rng.random() < 0.3:
            heard = min(int(rng.paretovariate(1.1)), 600)
            for member in rng.sample(range(1, MEMBERS + 1), heard):
                verdict = "worked" if rng.random() < 0.85 else "not_worked"
                reports.append((n, member, verdict, "It worked in our town too" if rng.random() < 0.1 else None,
                                published + rng.randint(86400, 365 * 86400)))
    done = sum(1 for p in practices if p[13] == "approved")
    return DataSet(members, identities, practices, practice_themes, reports, done, len(practices) - done)


async def write(db: Database, data: DataSet) -> None:
    """All rows in one transaction with the database's own executemany, contact lines sealed and accounts hashed
    and sealed with the database's key as the bot writes them; the search index filled in the same transaction as
    the repository fills it; each practice's worked_count counted from its reports as the repository counts it."""
    keyring = db.keyring
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO members (id, role, display_name, actor_kind, timezone, contact, profile_complete, "
            "consented_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*member[:5], keyring.seal(member[5]), *member[6:]) for member in data.members])
        await conn.executemany(f"INSERT INTO identities ({IDENTITY_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                               [identity(keyring, *row) for row in data.identities])
        await conn.executemany(
            "INSERT INTO practices (id, author_id, anonymous, title, what, region, place, actor_kind, worked, "
            "not_worked, needs, link, visibility, status, review_note, reviewed_by, created_at, updated_at, "
            "published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", data.practices)
        await conn.executemany("INSERT INTO practice_themes (practice_id, theme) VALUES (?, ?)", data.themes)
        await conn.executemany("INSERT INTO practice_reports (practice_id, member_id, verdict, note, at) "
                               "VALUES (?, ?, ?, ?, ?)", data.reports)
        await conn.execute(
            "UPDATE practices SET worked_count = (SELECT count(*) FROM practice_reports r "
            "WHERE r.practice_id = practices.id AND r.verdict = 'worked') "
            "WHERE id IN (SELECT practice_id FROM practice_reports)")
        if db.dialect == "postgresql":  # the ids were given: the next ones the database gives come after them
            for table, rows in (("members", data.members), ("practices", data.practices)):
                await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {len(rows)})")
        await PracticeRepository.reindex_in(conn)


def settle(url: str) -> None:
    """VACUUM ANALYZE, as autovacuum leaves a database that has been running a while (the index filled after
    the rows were written left a dead version of each)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


@dataclasses.dataclass(frozen=True)
class Search:
    kind: str
    words: str
    theme: str  # its id
    member: int


def searches(count: int, network: Network, writer: Writer, rng: random.Random) -> list[Search]:
    """The five kinds of words in turn, each with a theme (the popular ones more often), each by a member."""
    themes = [c.id for c in network.themes]
    theme_weights = zipf(len(themes), 0.8)
    vocabulary = {w for word in writer.vocabulary for w in indexed_words(word)}
    common = [(code, word) for code in ("en", "fr", "es") for word in writer.field[code][:8]]
    chinese = [w for w in writer.field["zh"] if len(w) == 2][:40]
    rare = writer.names[300:]  # a name of the long tail: a few to a few hundred practices have it
    out = []
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        if kind == "common word":
            words = rng.choices(common, weights=[LANGUAGES[code] for code, _ in common])[0][1]
        elif kind == "two words":
            code = rng.choices(["en", "fr", "es"], weights=[LANGUAGES[c] for c in ("en", "fr", "es")])[0]
            pool = writer.field[code][:60]
            words = " ".join(rng.sample(pool, 2))
        elif kind == "rare word":
            words = rng.choice(rare)
        elif kind == "Chinese word":
            words = rng.choices(chinese, cum_weights=zipf(len(chinese)))[0]
        else:
            while True:  # a misspelling no word of the vocabulary begins with
                words = "".join(rng.choices("bcdfgjkmnpqrstvwxz", k=rng.randint(5, 8)))
                if not any(w.startswith(words) for w in vocabulary):
                    break
        out.append(Search(kind, words, rng.choices(themes, cum_weights=theme_weights)[0],
                          rng.randint(2, MEMBERS)))
    return out


def spread(samples: list[float]) -> str:
    """p50, p99 and max, aligned under their headings."""
    if not samples:
        return f"{'–':>7} {'–':>7} {'–':>7}"
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"{statistics.median(ordered):7.1f} {p99:7.1f} {ordered[-1]:7.1f}"


_FOUND = re.compile(r"([\d,]+) practices? found")


def total_in(text: str) -> int:
    """How many practices a reply to /practices says it found."""
    if "No practice found" in text:
        return 0
    match = _FOUND.search(text)
    if match is None:
        raise AssertionError(f"not a page of results: {text[:200]!r}")
    return int(match.group(1).replace(",", ""))


async def explain(db: Database, search: Search) -> list[str]:
    """The plan of the query `find` runs for this search, caught on its way to the database."""
    caught: list[tuple[str, list]] = []
    read = db.fetch_all

    async def catch(sql: str, args=()):
        caught.append((sql, list(args)))
        return await read(sql, args)

    db.fetch_all = catch  # type: ignore[method-assign]
    try:
        await PracticeRepository(db).find(Query(theme=search.theme, words=search.words), limit=RESULTS)
    finally:
        del db.fetch_all
    sql, args = caught[0]
    if db.dialect == "sqlite":
        rows = await db.fetch_all(f"EXPLAIN QUERY PLAN {sql}", args)
        return [f"      {row[3]}" for row in rows]
    rows = await db.fetch_all(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", args)
    return [f"      {row[0]}" for row in rows]


async def measure(engine: str, where: str, options: argparse.Namespace, seed: int) -> list[str]:
    rng = random.Random(seed)
    network = network_from(Settings(network_name="Benchmark Network"))
    labels = {c.id: c.label for c in network.themes}
    writer = Writer(rng)
    db = connect(where)
    await db.open()  # the schema (not counted)
    try:
        started = time.perf_counter()
        data = make_data(options.practices, network, writer, rng)
        made = time.perf_counter() - started
        await write(db, data)
        if engine == "postgresql":
            await asyncio.to_thread(settle, where)
        built = time.perf_counter() - started
        words = sum(len(indexed_words(p[3])) + sum(len(indexed_words(p[i])) for i in (4, 8, 9, 10))
                    for p in data.practices[:2000]) / min(2000, len(data.practices))
        lines = [(f"{engine}: {data.published:,} published practices (and {data.unpublished:,} unpublished) by "
                  f"{MEMBERS:,} members, {len(data.reports):,} reports; built in {built:.1f} s (text made in "
                  f"{made:.1f} s, written and indexed in {built - made:.1f} s)"),
                 f"  about {words:.0f} words a practice, from a vocabulary of {len(writer.vocabulary):,} words"]
        del data

        repos = Repositories.over(db)
        core = Core(Services(repos=repos, network=network, delivery=Silent()), all_routers())
        tune_garbage_collector()  # as the bot does once started
        plan = searches(options.queries, network, writer, rng)
        # The first searches load the pages and the catalogues; the cheap kinds only, so that a slow engine does
        # not spend its budget warming up.
        warm = [s for s in searches(25, network, writer, rng) if s.kind in ("rare word", "no match")]

        async def through_repository(search: Search) -> int:
            return (await repos.practices.find(Query(theme=search.theme, words=search.words), limit=RESULTS))[1]

        async def through_core(search: Search) -> int:
            message = Incoming(Person("console", f"m{search.member}"),
                               f"/practices {search.words} theme:{labels[search.theme]}")
            replies = await core.handle_message(message)
            return total_in(str(replies[0].text))

        # Per path, each search's (ms, practices found), for as many searches as the budget allows (the kinds
        # come in turn, so a cut leaves each kind about as many).
        timed: dict[str, dict[int, tuple[float, int]]] = {}
        for name, run in (("find", through_repository), ("core", through_core)):
            for search in warm:
                await run(search)
            timed[name] = {}
            deadline = time.perf_counter() + options.budget
            for n, search in enumerate(plan):
                if time.perf_counter() > deadline:
                    break
                before = time.perf_counter()
                found = await run(search)
                timed[name][n] = ((time.perf_counter() - before) * 1000, found)
        for n in timed["find"].keys() & timed["core"].keys():
            if timed["find"][n][1] != timed["core"][n][1]:
                raise AssertionError(f"{plan[n]}: the repository found {timed['find'][n][1]}, the core said "
                                     f"{timed['core'][n][1]}")

        ran = {name: len(times) for name, times in timed.items()}
        cut = "" if min(ran.values()) == len(plan) else (
            f"; the {options.budget:.0f} s budget of each path ran out after {ran['find']} through find and "
            f"{ran['core']} through the core")
        lines.append(f"  {len(plan)} searches `/practices <words> theme:<theme>`{cut} (ms; find: "
                     "PracticeRepository.find, the database's share; core: the whole message):")
        lines.append(f"    {'words':<14} {'searches':>9} {'matched':>8}   {'find p50':>8} {'p99':>7} {'max':>7}"
                     f"   {'core p50':>8} {'p99':>7} {'max':>7}")
        for kind in (*KINDS, "all"):
            picked = {name: [times[n] for n in sorted(times) if kind in ("all", plan[n].kind)]
                      for name, times in timed.items()}
            found = statistics.mean([found for _, found in picked["find"] or picked["core"]] or [0])
            count = f"{len(picked['find'])}" if ran["find"] == ran["core"] else \
                f"{len(picked['find'])}/{len(picked['core'])}"
            lines.append(f"    {kind:<14} {count:>9} {found:>8,.0f}   "
                         f" {spread([ms for ms, _ in picked['find']])}   {spread([ms for ms, _ in picked['core']])}")
        if options.explain:
            for kind in KINDS:
                ms, n = max((timed["core"][n][0], n) for n in timed["core"] if plan[n].kind == kind)
                lines.append(f"  plan of the slowest {kind} search, “{plan[n].words}” theme {plan[n].theme} "
                             f"({timed['core'][n][1]:,} found, {ms:.0f} ms through the core):")
                lines.extend(await explain(db, plan[n]))
    finally:
        await db.close()
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--practices", type=int, default=50_000, help="published practices")
    parser.add_argument("--queries", type=int, default=400, help="searches timed on each path")
    parser.add_argument("--budget", type=float, default=90,
                        help="seconds each path (find, the core) may take for its searches on one engine")
    parser.add_argument("--explain", action="store_true",
                        help="print the plan of the slowest search of each kind")
    options = parser.parse_args()
    await on_each_engine(options.engines, "practices.db", lambda engine, where: measure(engine, where, options, 20261214))


if __name__ == "__main__":
    asyncio.run(main())
