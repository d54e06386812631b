"""The demo seller's world: shops, buyer countries, catalogue, carriers.

One fictional brand (Nordlicht Home: kitchen, outdoor and apparel) sells on four platforms. Marketplace ids
are the platforms' public ones, currencies and minor digits follow ISO 4217, region codes are the
subdivision codes the ``holidays`` library and return-law policies understand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SELLER_ID = "A2NORDLICHT7Q"  # the seller's merchant token on Amazon (one account, many marketplaces)


@dataclass(frozen=True, slots=True)
class ShopSpec:
    platform: str
    external_id: str
    name: str
    country: str
    currency: str
    marketplace: str
    config: dict = field(default_factory=dict)


SHOPS: tuple[ShopSpec, ...] = (
    # Amazon: one seller account, one shop per marketplace (the marketplace id is Amazon's own).
    ShopSpec(
        "amazon",
        f"{SELLER_ID}:A1PA6795UKMFR9",
        "Nordlicht Home DE",
        "DE",
        "EUR",
        "A1PA6795UKMFR9",
        {"domain": "amazon.de"},
    ),
    ShopSpec(
        "amazon",
        f"{SELLER_ID}:A13V1IB3VIYZZH",
        "Nordlicht Home FR",
        "FR",
        "EUR",
        "A13V1IB3VIYZZH",
        {"domain": "amazon.fr"},
    ),
    ShopSpec(
        "amazon",
        f"{SELLER_ID}:APJ6JRA9NG5V4",
        "Nordlicht Home IT",
        "IT",
        "EUR",
        "APJ6JRA9NG5V4",
        {"domain": "amazon.it"},
    ),
    ShopSpec(
        "amazon",
        f"{SELLER_ID}:A1RKKUPIHCS9HS",
        "Nordlicht Home ES",
        "ES",
        "EUR",
        "A1RKKUPIHCS9HS",
        {"domain": "amazon.es"},
    ),
    ShopSpec(
        "amazon",
        f"{SELLER_ID}:A1805IZSGTT6HS",
        "Nordlicht Home NL",
        "NL",
        "EUR",
        "A1805IZSGTT6HS",
        {"domain": "amazon.nl"},
    ),
    ShopSpec(
        "amazon",
        f"{SELLER_ID}:A1C3SOZRARQ6R3",
        "Nordlicht Home PL",
        "PL",
        "PLN",
        "A1C3SOZRARQ6R3",
        {"domain": "amazon.pl"},
    ),
    ShopSpec(
        "amazon",
        f"{SELLER_ID}:A1F83G8C2ARO7P",
        "Nordlicht Home UK",
        "GB",
        "GBP",
        "A1F83G8C2ARO7P",
        {"domain": "amazon.co.uk"},
    ),
    ShopSpec(
        "amazon",
        f"{SELLER_ID}:ATVPDKIKX0DER",
        "Nordlicht Home US",
        "US",
        "USD",
        "ATVPDKIKX0DER",
        {"domain": "amazon.com"},
    ),
    ShopSpec(
        "amazon",
        f"{SELLER_ID}:A1VC38T7YXB528",
        "Nordlicht Home JP",
        "JP",
        "JPY",
        "A1VC38T7YXB528",
        {"domain": "amazon.co.jp"},
    ),
    ShopSpec(
        "amazon",
        f"{SELLER_ID}:A33AVAJ2PDY3EV",
        "Nordlicht Home TR",
        "TR",
        "TRY",
        "A33AVAJ2PDY3EV",
        {"domain": "amazon.com.tr"},
    ),
    ShopSpec(
        "amazon",
        f"{SELLER_ID}:A2VIGQ35RCS4UG",
        "Nordlicht Home AE",
        "AE",
        "AED",
        "A2VIGQ35RCS4UG",
        {"domain": "amazon.ae"},
    ),
    ShopSpec(
        "amazon",
        f"{SELLER_ID}:A17E79C6D8DWNP",
        "Nordlicht Home SA",
        "SA",
        "SAR",
        "A17E79C6D8DWNP",
        {"domain": "amazon.sa"},
    ),
    # eBay: one store per site; the marketplace is eBay's site id.
    ShopSpec("ebay", "nordlicht_home_us", "nordlicht_home (eBay US)", "US", "USD", "EBAY_US"),
    ShopSpec("ebay", "nordlicht_home_de", "nordlicht_home (eBay DE)", "DE", "EUR", "EBAY_DE"),
    ShopSpec("ebay", "nordlicht_home_uk", "nordlicht_home (eBay UK)", "GB", "GBP", "EBAY_GB"),
    ShopSpec("ebay", "nordlicht_home_au", "nordlicht_home (eBay AU)", "AU", "AUD", "EBAY_AU"),
    # Shopee: one shop per market (shop ids are numeric on Shopee).
    ShopSpec("shopee", "812345601", "Nordlicht Official Store SG", "SG", "SGD", "SG"),
    ShopSpec("shopee", "812345602", "Nordlicht Official Store MY", "MY", "MYR", "MY"),
    ShopSpec("shopee", "812345603", "Nordlicht 官方旗艦店 TW", "TW", "TWD", "TW"),
    ShopSpec("shopee", "812345604", "Nordlicht Loja Oficial BR", "BR", "BRL", "BR"),
    ShopSpec("shopee", "812345605", "Nordlicht Official Store PH", "PH", "PHP", "PH"),
    ShopSpec("shopee", "812345606", "Nordlicht Official Store TH", "TH", "THB", "TH"),
    # Shopify: the brand's own stores.
    ShopSpec(
        "shopify",
        "nordlicht-home.myshopify.com",
        "nordlicht-home.com",
        "US",
        "USD",
        "",
        {"markets": ["US", "CA", "KR", "MX"]},
    ),
    ShopSpec(
        "shopify",
        "nordlicht-home-eu.myshopify.com",
        "nordlicht-home.eu",
        "DE",
        "EUR",
        "",
        {"markets": ["EU", "CH"]},
    ),
)


@dataclass(frozen=True, slots=True)
class CountrySpec:
    code: str
    weight: float  # share of buyers
    languages: tuple[tuple[str, float], ...]  # what buyers there write in, with shares
    names: str  # key of the name pool in names.json
    regions: tuple[str, ...]  # subdivision codes ('' when the country has none that matter)
    shops: tuple[tuple[str, float], ...]  # shop external ids they buy from, with shares
    carriers: tuple[str, ...]
    email_domains: tuple[str, ...]


def _amz(mp: str) -> str:
    return f"{SELLER_ID}:{mp}"


US_STORE = "nordlicht-home.myshopify.com"
EU_STORE = "nordlicht-home-eu.myshopify.com"

COUNTRIES: tuple[CountrySpec, ...] = (
    CountrySpec(
        "US",
        17,
        (("en", 0.93), ("es", 0.05), ("ko", 0.02)),
        "en_us",
        ("CA", "NY", "TX", "FL", "WA", "IL", "PA", "OH", "GA", "NC", "MI", "NJ", "AZ", "MA", "CO", "OR"),
        ((_amz("ATVPDKIKX0DER"), 0.6), ("nordlicht_home_us", 0.25), (US_STORE, 0.15)),
        ("USPS", "UPS", "FedEx", "Amazon Logistics"),
        ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com"),
    ),
    CountrySpec(
        "GB",
        8,
        (("en", 1.0),),
        "en_gb",
        ("ENG", "ENG", "ENG", "SCT", "WLS", "NIR"),
        ((_amz("A1F83G8C2ARO7P"), 0.7), ("nordlicht_home_uk", 0.3)),
        ("Royal Mail", "Evri", "DPD UK", "Amazon Logistics"),
        ("gmail.com", "hotmail.co.uk", "btinternet.com", "outlook.com", "yahoo.co.uk"),
    ),
    CountrySpec(
        "AU",
        3,
        (("en", 1.0),),
        "en_gb",
        ("NSW", "VIC", "QLD", "WA", "SA", "ACT", "TAS"),
        (("nordlicht_home_au", 1.0),),
        ("Australia Post", "StarTrack", "Aramex AU"),
        ("gmail.com", "bigpond.com", "outlook.com"),
    ),
    CountrySpec(
        "CA",
        2,
        (("en", 0.78), ("fr", 0.22)),
        "en_us",
        ("ON", "QC", "BC", "AB", "MB", "NS"),
        ((US_STORE, 0.6), ("nordlicht_home_us", 0.4)),
        ("Canada Post", "Purolator", "UPS"),
        ("gmail.com", "hotmail.com", "videotron.ca"),
    ),
    CountrySpec(
        "IE",
        1,
        (("en", 1.0),),
        "en_gb",
        ("",),
        ((_amz("A1F83G8C2ARO7P"), 0.6), (EU_STORE, 0.4)),
        ("An Post", "DPD Ireland"),
        ("gmail.com", "eircom.net", "hotmail.com"),
    ),
    CountrySpec(
        "DE",
        14,
        (("de", 0.96), ("en", 0.02), ("tr", 0.02)),
        "de",
        ("BY", "NW", "BW", "NI", "HE", "BE", "SN", "HH", "RP", "SH", "BB", "TH", "ST", "MV", "SL", "HB"),
        ((_amz("A1PA6795UKMFR9"), 0.65), ("nordlicht_home_de", 0.2), (EU_STORE, 0.15)),
        ("DHL", "DPD", "Hermes", "GLS", "Amazon Logistics"),
        ("gmx.de", "web.de", "t-online.de", "gmail.com", "posteo.de"),
    ),
    CountrySpec(
        "AT",
        2,
        (("de", 1.0),),
        "de",
        ("9", "3", "4", "6", "5", "2", "7", "8", "1"),
        ((_amz("A1PA6795UKMFR9"), 0.6), ("nordlicht_home_de", 0.2), (EU_STORE, 0.2)),
        ("Österreichische Post", "DPD", "GLS"),
        ("gmx.at", "aon.at", "gmail.com"),
    ),
    CountrySpec(
        "FR",
        8,
        (("fr", 0.99), ("en", 0.01)),
        "fr",
        ("",),
        ((_amz("A13V1IB3VIYZZH"), 0.85), (EU_STORE, 0.15)),
        ("Colissimo", "Chronopost", "Mondial Relay", "DPD France"),
        ("orange.fr", "gmail.com", "free.fr", "laposte.net", "sfr.fr", "hotmail.fr"),
    ),
    CountrySpec(
        "BE",
        2,
        (("nl", 0.55), ("fr", 0.45)),
        "be",
        ("VLG", "WAL", "BRU"),
        ((_amz("A1805IZSGTT6HS"), 0.5), (_amz("A13V1IB3VIYZZH"), 0.3), (EU_STORE, 0.2)),
        ("bpost", "PostNL", "DPD"),
        ("telenet.be", "skynet.be", "gmail.com", "hotmail.com"),
    ),
    CountrySpec(
        "NL",
        4,
        (("nl", 0.97), ("en", 0.03)),
        "nl",
        ("",),
        ((_amz("A1805IZSGTT6HS"), 0.75), (EU_STORE, 0.25)),
        ("PostNL", "DHL", "DPD"),
        ("gmail.com", "ziggo.nl", "kpnmail.nl", "hotmail.nl"),
    ),
    CountrySpec(
        "ES",
        6,
        (("es", 1.0),),
        "es",
        ("MD", "CT", "AN", "VC", "GA", "PV", "CL", "AR", "IB", "MC"),
        ((_amz("A1RKKUPIHCS9HS"), 0.9), (EU_STORE, 0.1)),
        ("Correos", "SEUR", "MRW", "GLS Spain"),
        ("gmail.com", "hotmail.es", "yahoo.es", "outlook.es"),
    ),
    CountrySpec(
        "MX",
        2,
        (("es", 1.0),),
        "es_mx",
        ("",),
        ((US_STORE, 0.5), ("nordlicht_home_us", 0.5)),
        ("Estafeta", "DHL Express", "FedEx"),
        ("gmail.com", "hotmail.com", "prodigy.net.mx"),
    ),
    CountrySpec(
        "IT",
        6,
        (("it", 1.0),),
        "it",
        ("MI", "RM", "NA", "TO", "BO", "FI", "PA", "BA", "VE", "GE"),
        ((_amz("APJ6JRA9NG5V4"), 0.9), (EU_STORE, 0.1)),
        ("Poste Italiane", "BRT", "SDA", "GLS Italy"),
        ("gmail.com", "libero.it", "hotmail.it", "virgilio.it", "alice.it"),
    ),
    CountrySpec(
        "PL",
        3,
        (("pl", 1.0),),
        "pl",
        ("14", "12", "30", "02", "22", "24", "10", "16"),
        ((_amz("A1C3SOZRARQ6R3"), 0.8), ("nordlicht_home_de", 0.2)),
        ("InPost", "DPD Polska", "Poczta Polska"),
        ("wp.pl", "o2.pl", "onet.pl", "gmail.com", "interia.pl"),
    ),
    CountrySpec(
        "TR",
        2,
        (("tr", 1.0),),
        "tr",
        ("",),
        ((_amz("A33AVAJ2PDY3EV"), 1.0),),
        ("Yurtiçi Kargo", "Aras Kargo", "MNG Kargo"),
        ("gmail.com", "hotmail.com", "yandex.com"),
    ),
    CountrySpec(
        "AE",
        1.5,
        (("ar", 0.6), ("en", 0.4)),
        "ar",
        ("",),
        ((_amz("A2VIGQ35RCS4UG"), 1.0),),
        ("Aramex", "Emirates Post", "Amazon Logistics"),
        ("gmail.com", "hotmail.com", "yahoo.com"),
    ),
    CountrySpec(
        "SA",
        1.5,
        (("ar", 0.85), ("en", 0.15)),
        "ar",
        ("",),
        ((_amz("A17E79C6D8DWNP"), 1.0),),
        ("SMSA Express", "Aramex", "SPL"),
        ("gmail.com", "hotmail.com", "outlook.sa"),
    ),
    CountrySpec(
        "JP",
        6,
        (("ja", 1.0),),
        "ja",
        ("",),
        ((_amz("A1VC38T7YXB528"), 1.0),),
        ("ヤマト運輸", "佐川急便", "日本郵便"),
        ("gmail.com", "yahoo.co.jp", "docomo.ne.jp", "icloud.com", "ezweb.ne.jp"),
    ),
    CountrySpec(
        "KR",
        2,
        (("ko", 0.9), ("en", 0.1)),
        "ko",
        ("",),
        ((US_STORE, 0.6), ("nordlicht_home_us", 0.4)),
        ("CJ대한통운", "우체국택배", "DHL Express"),
        ("naver.com", "daum.net", "gmail.com", "kakao.com"),
    ),
    CountrySpec(
        "TW",
        3,
        (("zh", 1.0),),
        "zh_tw",
        ("",),
        (("812345603", 1.0),),
        ("蝦皮店到店", "黑貓宅急便", "中華郵政", "7-ELEVEN 交貨便"),
        ("gmail.com", "yahoo.com.tw", "hotmail.com"),
    ),
    CountrySpec(
        "SG",
        2,
        (("en", 0.75), ("zh", 0.25)),
        "sg",
        ("",),
        (("812345601", 1.0),),
        ("SPX Express", "Ninja Van", "J&T Express"),
        ("gmail.com", "hotmail.com", "yahoo.com.sg"),
    ),
    CountrySpec(
        "MY",
        2,
        (("en", 0.6), ("zh", 0.4)),
        "my",
        ("14", "10", "07", "01", "12", "13"),
        (("812345602", 1.0),),
        ("SPX Express", "J&T Express", "Pos Laju", "Ninja Van"),
        ("gmail.com", "yahoo.com", "hotmail.my"),
    ),
    CountrySpec(
        "PH",
        1.5,
        (("en", 1.0),),
        "ph",
        ("",),
        (("812345605", 1.0),),
        ("SPX Express", "J&T Express", "Flash Express", "LBC"),
        ("gmail.com", "yahoo.com"),
    ),
    CountrySpec(
        "TH",
        1.5,
        (("en", 1.0),),
        "th",
        ("",),
        (("812345606", 1.0),),
        ("SPX Express", "Kerry Express", "Flash Express", "Thailand Post"),
        ("gmail.com", "hotmail.com"),
    ),
    CountrySpec(
        "BR",
        4,
        (("pt", 1.0),),
        "pt_br",
        ("SP", "RJ", "MG", "RS", "PR", "BA", "SC", "PE", "DF", "CE"),
        (("812345604", 1.0),),
        ("Correios", "SPX Express", "Jadlog", "Loggi"),
        ("gmail.com", "hotmail.com", "uol.com.br", "bol.com.br"),
    ),
    CountrySpec(
        "PT",
        1.5,
        (("pt", 1.0),),
        "pt_pt",
        ("11", "13", "15", "03", "01", "06"),
        ((_amz("A1RKKUPIHCS9HS"), 0.5), (EU_STORE, 0.5)),
        ("CTT", "DPD Portugal", "GLS Portugal"),
        ("gmail.com", "sapo.pt", "hotmail.com"),
    ),
    CountrySpec(
        "CH",
        1,
        (("de", 0.7), ("fr", 0.25), ("it", 0.05)),
        "ch",
        ("",),
        ((EU_STORE, 1.0),),
        ("Swiss Post", "DHL Express"),
        ("bluewin.ch", "gmail.com", "gmx.ch"),
    ),
)

#: How each carrier's tracking numbers look: a prefix and a body of digits (D) or alphanumerics (A).
TRACKING: dict[str, tuple[str, str, str]] = {
    "USPS": ("9400", "D18", ""),
    "UPS": ("1Z", "A16", ""),
    "FedEx": ("", "D12", ""),
    "Amazon Logistics": ("TBA", "D12", ""),
    "Royal Mail": ("", "A2D9", "GB"),
    "Evri": ("H", "A15", ""),
    "DPD UK": ("15", "D12", ""),
    "Australia Post": ("", "A4D8", ""),
    "StarTrack": ("", "A3D9", ""),
    "Aramex AU": ("", "D12", ""),
    "Canada Post": ("", "D16", ""),
    "Purolator": ("", "D12", ""),
    "An Post": ("", "A2D9", "IE"),
    "DPD Ireland": ("", "D14", ""),
    "DHL": ("00340434", "D12", ""),
    "DPD": ("0", "D13", ""),
    "Hermes": ("H10", "D17", ""),
    "GLS": ("", "D11", ""),
    "Österreichische Post": ("", "D22", ""),
    "Colissimo": ("6A", "D11", ""),
    "Chronopost": ("XW", "D9", "FR"),
    "Mondial Relay": ("", "D8", ""),
    "DPD France": ("", "D14", ""),
    "bpost": ("3232", "D20", ""),
    "PostNL": ("3S", "A13", ""),
    "Correos": ("PQ", "A14", ""),
    "SEUR": ("", "D14", ""),
    "MRW": ("", "D12", ""),
    "GLS Spain": ("", "D11", ""),
    "Estafeta": ("", "D22", ""),
    "DHL Express": ("", "D10", ""),
    "Poste Italiane": ("", "A2D9", "IT"),
    "BRT": ("", "D15", ""),
    "SDA": ("", "D13", ""),
    "GLS Italy": ("", "D11", ""),
    "InPost": ("", "D24", ""),
    "DPD Polska": ("", "D13", "U"),
    "Poczta Polska": ("00", "D18", ""),
    "Yurtiçi Kargo": ("", "D12", ""),
    "Aras Kargo": ("", "D10", ""),
    "MNG Kargo": ("", "D11", ""),
    "Aramex": ("", "D11", ""),
    "Emirates Post": ("", "A2D9", "AE"),
    "SMSA Express": ("", "D12", ""),
    "SPL": ("", "A2D9", "SA"),
    "ヤマト運輸": ("", "D12", ""),
    "佐川急便": ("", "D12", ""),
    "日本郵便": ("", "D12", ""),
    "CJ대한통운": ("", "D12", ""),
    "우체국택배": ("", "D13", ""),
    "蝦皮店到店": ("TW", "D12", ""),
    "黑貓宅急便": ("", "D12", ""),
    "中華郵政": ("", "A2D9", "TW"),
    "7-ELEVEN 交貨便": ("", "D11", ""),
    "SPX Express": ("SPX", "A2D12", ""),
    "Ninja Van": ("NV", "A16", ""),
    "J&T Express": ("JT", "D10", ""),
    "Pos Laju": ("E", "A1D9", "MY"),
    "Flash Express": ("TH", "D11", ""),
    "LBC": ("", "D12", ""),
    "Kerry Express": ("KE", "A2D10", ""),
    "Thailand Post": ("E", "A1D9", "TH"),
    "Jadlog": ("", "D14", ""),
    "Loggi": ("", "A12", ""),
    "CTT": ("", "A2D9", "PT"),
    "DPD Portugal": ("", "D14", ""),
    "GLS Portugal": ("", "D11", ""),
    "Swiss Post": ("99", "D16", ""),
}


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    title: str
    usd: float  # list price in USD; converted to each shop's currency with local price endings
    sized: bool = False  # apparel and shoes: the size is part of the SKU


CATALOG: tuple[Product, ...] = (
    Product("NH-KTL-17-BK", "Nordlicht Aurora Electric Kettle 1.7 L, matte black", 49.99),
    Product("NH-KTL-17-WH", "Nordlicht Aurora Electric Kettle 1.7 L, white", 49.99),
    Product("NH-FPR-12", "Nordlicht Fjord French Press 1.2 L, double-walled", 34.99),
    Product("NH-GRD-BUR", "Nordlicht Kvarn Burr Coffee Grinder", 89.00),
    Product("NH-KNF-SET5", "Nordlicht Skarp Kitchen Knife Set, 5 pieces", 119.00),
    Product("NH-PAN-28-CI", "Nordlicht Cast Iron Skillet 28 cm", 59.90),
    Product("NH-BTL-750-GR", "Nordlicht Tind Insulated Bottle 750 ml, forest green", 29.95),
    Product("NH-BTL-750-SN", "Nordlicht Tind Insulated Bottle 750 ml, sand", 29.95),
    Product("NH-LNB-BX3", "Nordlicht Lunch Box Set, 3 pieces", 24.99),
    Product("NH-TWL-BATH-2", "Nordlicht Bomull Bath Towels, set of 2", 39.00),
    Product("NH-LMP-DESK", "Nordlicht Lys LED Desk Lamp, dimmable", 64.99),
    Product("NH-CNDL-SET3", "Nordlicht Scented Candles, set of 3", 27.50),
    Product("NH-BLK-WOOL", "Nordlicht Ull Wool Throw Blanket 130x170", 99.00),
    Product("NH-TNT-2P", "Nordlicht Vidde 2-Person Tent", 229.00),
    Product("NH-SLB-M5", "Nordlicht Sovepose Sleeping Bag -5°C", 139.00),
    Product("NH-HDL-400", "Nordlicht Fyr Headlamp 400 lm, rechargeable", 39.99),
    Product("NH-BPK-30-BK", "Nordlicht Sti Hiking Backpack 30 L, black", 119.00),
    Product("NH-PWR-20K", "Nordlicht Kraft Power Bank 20,000 mAh", 45.99),
    Product("NH-CBL-USBC-2", "Nordlicht USB-C Cable 2 m, braided (2-pack)", 15.99),
    Product("NH-CHG-65W", "Nordlicht 65 W GaN Charger, 3 ports", 49.99),
    Product("NH-RJ-{size}-NV", "Nordlicht Regn Rain Jacket, navy", 159.00, True),
    Product("NH-RJ-{size}-OL", "Nordlicht Regn Rain Jacket, olive", 159.00, True),
    Product("NH-FLC-{size}-GY", "Nordlicht Fleece Pullover, grey melange", 79.00, True),
    Product("NH-MRN-{size}-BK", "Nordlicht Merino Base Layer Top, black", 69.00, True),
    Product("NH-SCK-{size}-3P", "Nordlicht Merino Hiking Socks (3 pairs)", 34.00, True),
    Product("NH-BNE-UNI-RD", "Nordlicht Knitted Beanie, red", 24.00),
    Product("NH-GLV-{size}", "Nordlicht Touchscreen Gloves", 29.00, True),
    Product("NH-YGM-6-PU", "Nordlicht Yoga Mat 6 mm, purple", 44.90),
    Product("NH-DMB-2X5", "Nordlicht Adjustable Dumbbells 2 x 5 kg", 79.99),
    Product("NH-SCL-BT", "Nordlicht Smart Bathroom Scale", 39.99),
)

SIZES = ("XS", "S", "M", "L", "XL", "XXL")
SIZE_WEIGHTS = (0.05, 0.18, 0.3, 0.27, 0.15, 0.05)

#: Buyers' intents the demo writes messages for, with their share of conversations (after-sales heavy,
#: as on every marketplace: tracking questions first, then returns and damage).
INTENTS: tuple[tuple[str, float], ...] = (
    ("shipping_status", 0.27),
    ("damaged_item", 0.09),
    ("wrong_item", 0.08),
    ("return_request", 0.13),
    ("refund_request", 0.10),
    ("cancellation", 0.07),
    ("complaint", 0.06),
    ("product_question", 0.13),
    ("praise", 0.07),
)

LANGUAGES = ("en", "de", "fr", "es", "it", "ja", "zh", "pt", "ko", "nl", "pl", "tr", "ar")
