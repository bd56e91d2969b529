"""Default categories and statuses every site starts with (codes are a contract: they are
the Open311 service codes and what the classifier predicts)."""

H = "hours"
WD = "working_days"

# code: (en, uk, ro, bg)
GROUPS = {
    "roads": ("Roads", "Дороги", "Drumuri", "Пътища"),
    "lighting": ("Street lighting", "Вуличне освітлення", "Iluminat public", "Улично осветление"),
    "furniture": ("Urban furniture", "Міські меблі", "Mobilier urban", "Градско обзавеждане"),
    "waste": ("Waste", "Відходи", "Deșeuri", "Отпадъци"),
    "green": ("Green spaces", "Зелені зони", "Spații verzi", "Зелени площи"),
    "pest": ("Pest control", "Дератизація і дезінсекція", "Dezinsecție și deratizare",
             "Дезинсекция и дератизация"),
    "water": ("Water and sewerage", "Водопостачання і водовідведення", "Apă și canalizare",
              "ВиК"),
    "order": ("Public order", "Громадський порядок", "Ordine publică", "Обществен ред"),
    "animals": ("Animals", "Тварини", "Animale", "Животни"),
    "construction": ("Construction", "Будівництво", "Construcții", "Строителство"),
}

# code: (en, uk, ro, bg, sla amount, sla unit, anonymous allowed, keywords)
CATEGORIES = {
    "roads.pothole": ("Pothole", "Вибоїна на дорозі", "Groapă în carosabil", "Дупка на пътя",
                      10, WD, True, "pothole яма вибоїна groapă дупка"),
    "roads.sidewalk": ("Damaged sidewalk", "Пошкоджений тротуар", "Trotuar deteriorat",
                       "Повреден тротоар", 15, WD, True, "sidewalk тротуар trotuar"),
    "roads.traffic_signal": ("Traffic light or sign", "Світлофор або дорожній знак",
                             "Semafor sau indicator", "Светофар или пътен знак",
                             24, H, True, "світлофор знак semafor светофар"),
    "lighting.street": ("Street light out", "Не світить ліхтар", "Stâlp de iluminat defect",
                        "Неработещо осветление", 5, WD, True, "ліхтар lamp bec лампа"),
    "furniture.urban": ("Bench, playground or bus stop", "Лавка, дитячий майданчик, зупинка",
                        "Bancă, loc de joacă sau stație", "Пейка, детска площадка, спирка",
                        15, WD, True, "лавка bancă пейка"),
    "waste.uncollected": ("Waste not collected", "Не вивезено сміття", "Gunoi neridicat",
                          "Несъбран боклук", 48, H, True, "сміття gunoi боклук"),
    "waste.illegal_dumping": ("Illegal dumping", "Стихійне сміттєзвалище", "Depozitare ilegală",
                              "Нерегламентирано сметище", 10, WD, True, "звалище"),
    "green.neglected": ("Neglected trees or grass", "Дерева, кущі, трава",
                        "Copaci sau iarbă neîngrijite", "Неподдържани дървета или трева",
                        10, WD, True, "дерево copac дърво трава"),
    "pest.control": ("Pests", "Гризуни, комахи", "Dăunători", "Вредители",
                     10, WD, True, "щури кліщі şobolani плъхове"),
    "water.network_failure": ("Water main failure", "Аварія на водопровідній мережі",
                              "Avarie la rețeaua de apă", "Авария на водопровода",
                              24, H, True, "аварія avarie авария"),
    "water.leak": ("Water leak", "Витік води", "Scurgere de apă", "Теч на вода",
                   24, H, True, "витік тече scurgere теч"),
    "water.manhole": ("Open or broken manhole", "Відкритий або пошкоджений люк",
                      "Capac de canal lipsă", "Отворена шахта", 24, H, True, "люк capac шахта"),
    "water.supply": ("No water supply", "Немає води", "Lipsă apă", "Няма вода",
                     24, H, True, "води apă вода"),
    "order.illegal_parking": ("Illegal parking", "Неправильне паркування", "Parcare ilegală",
                              "Неправилно паркиране", 3, WD, True, "паркування parcare"),
    "animals.stray_dogs": ("Stray dogs", "Безпритульні собаки", "Câini fără stăpân",
                           "Бездомни кучета", 10, WD, True, "собаки câini кучета"),
    "order.noise": ("Noise", "Шум", "Zgomot", "Шум", 5, WD, True, "шум zgomot"),
    "construction.illegal": ("Illegal construction", "Незаконне будівництво",
                             "Construcție ilegală", "Незаконно строителство",
                             20, WD, False, "будівництво construcție строеж"),
}

# code: (en, uk, ro, bg, is_open, is_public, open311)
STATUSES = {
    "new": ("New", "Нове", "Nou", "Нов", True, True, "open"),
    "evaluation": ("Under evaluation", "На розгляді", "În evaluare", "В процес на оценка",
                   True, True, "open"),
    "planned": ("Planned", "Заплановано", "Planificat", "Планиран", True, True, "open"),
    "in_progress": ("In progress", "Виконується", "În lucru", "В процес", True, True, "open"),
    "resolved": ("Resolved", "Вирішено", "Rezolvat", "Решен", False, True, "closed"),
    "closed": ("Closed", "Закрито", "Închis", "Приключен", False, True, "closed"),
    "not_responsible": ("Not our responsibility", "Не належить до компетенції",
                        "Nu este de competența noastră", "Извън компетентността",
                        False, True, "closed"),
    "duplicate": ("Duplicate", "Дублікат", "Duplicat", "Дубликат", False, True, "closed"),
    "rejected": ("Rejected", "Відхилено", "Respins", "Отхвърлен", False, False, "closed"),
}

LANGS = ("en", "uk", "ro", "bg")
