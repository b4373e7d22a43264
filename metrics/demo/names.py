"""Name pools for the fictional city of 江州市: places, departments, people, roads.

Every pool is a tuple (fixed order) so draws from it are reproducible for a seed.
"""
from __future__ import annotations

CITY = ("CITY", "江州市", "Jiangzhou City")

# (name, name_en, kind) in the order the district seeds are laid out: centre first.
DISTRICTS: tuple[tuple[str, str, str], ...] = (
    ("鼓楼区", "Gulou District", "old_town"),
    ("江南区", "Jiangnan District", "old_town"),
    ("高新区", "High-tech District", "new_district"),
    ("滨江新区", "Binjiang New District", "new_district"),
    ("城东区", "Chengdong District", "suburban"),
    ("城西区", "Chengxi District", "suburban"),
    ("北湖区", "Beihu District", "suburban"),
    ("青山县", "Qingshan County", "rural"),
    ("白沙县", "Baisha County", "rural"),
    ("临河区", "Linhe District", "rural"),
)

STREET_STEMS = (
    "朝阳", "建设", "人民", "解放", "和平", "新华", "中山", "东风", "胜利", "光明", "文化", "长江",
    "黄河", "团结", "友谊", "红旗", "前进", "向阳", "民主", "工农", "滨河", "湖滨", "府前", "南门",
    "北门", "西关", "东关", "大观", "金桥", "科技城", "学府", "江畔", "云台", "翠屏", "新城", "龙湖",
    "星火", "振兴", "复兴", "东湖", "西湖", "南湖", "玉泉", "清河", "锦江", "望江", "花园", "春晖",
    "凤凰", "白鹭", "桂园", "体育场", "火车站", "开发区", "高铁新城", "会展", "未来城", "新港",
)

TOWN_STEMS = (
    "青山", "白沙", "石桥", "河口", "马集", "李庄", "柳湾", "双河", "龙泉", "桃源", "梅岭", "杨柳",
    "黄土岗", "三河", "新集", "古城", "官庄", "大王", "仁和", "永丰", "太平", "安乐", "长乐", "广福",
    "丰收", "五里铺", "十里堡", "高桥", "塘湾", "松林", "枫林", "金牛", "卧龙", "凤鸣", "铁佛", "花桥",
    "九龙", "沙河", "清泉", "红山", "东岭", "西岭", "南岗", "北集", "瓦窑", "油坊", "杏花", "荷塘",
)

COMMUNITY_STEMS = (
    "幸福", "和平", "阳光", "锦绣", "翠竹", "紫薇", "丁香", "玉兰", "海棠", "石榴", "芙蓉", "金色",
    "东方", "华府", "明珠", "春天", "世纪", "康乐", "安居", "书香", "怡景", "雅苑", "碧水", "绿洲",
    "盛世", "嘉园", "景和", "福星", "瑞祥", "吉祥", "同心", "永安", "长青", "晨曦", "清风", "明月",
    "银杏", "梧桐", "樱花", "百合", "君悦", "御景", "滨湖", "江湾", "新苑", "育才", "铁路", "电厂",
)
COMMUNITY_SUFFIXES = ("里", "苑", "园", "花园", "新村", "家园", "小区", "城", "湾", "府")

VILLAGE_STEMS = (
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
    "和平", "红星", "胜利", "光明", "新农", "丰收", "前进", "柳树", "枣林", "桃花", "大槐树", "双井",
)
VILLAGE_SUFFIXES = ("家", "庄", "湾", "岗", "桥", "店", "集", "营", "坝", "圩")

ROADS = (
    "建设路", "人民路", "解放路", "中山路", "和平路", "新华路", "胜利街", "文化路", "长江路", "黄河路",
    "光明街", "滨河路", "湖滨路", "府前街", "学府路", "工业大道", "科技大道", "江州大道", "环城北路",
    "环城南路", "东风路", "朝阳路", "青年路", "花园路", "体育路", "育才路", "金桥路", "银河路", "望江路",
    "龙湖路", "凤凰路", "春晖路", "幸福路", "团结路", "民主路", "振兴路", "复兴路", "清河路", "玉泉路",
)

# (code, full name, English name)
DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("城管", "市城市管理委员会", "Urban Management Commission"),
    ("住建", "市住房和城乡建设局", "Housing and Urban-Rural Development Bureau"),
    ("水务", "市水务局", "Water Affairs Bureau"),
    ("交通", "市交通运输局", "Transport Bureau"),
    ("市场监管", "市市场监督管理局", "Market Regulation Administration"),
    ("生态环境", "市生态环境局", "Ecology and Environment Bureau"),
    ("公安", "市公安局", "Public Security Bureau"),
    ("供热", "市供热管理办公室", "Heating Supply Office"),
    ("燃气", "江州燃气集团", "Jiangzhou Gas Group"),
    ("电力", "国网江州供电公司", "State Grid Jiangzhou Power Supply"),
    ("人社", "市人力资源和社会保障局", "Human Resources and Social Security Bureau"),
    ("教育", "市教育局", "Education Bureau"),
    ("卫健", "市卫生健康委员会", "Health Commission"),
    ("民政", "市民政局", "Civil Affairs Bureau"),
    ("园林", "市园林绿化局", "Landscaping Bureau"),
    ("规自", "市规划和自然资源局", "Planning and Natural Resources Bureau"),
    ("文旅", "市文化和旅游局", "Culture and Tourism Bureau"),
    ("农业农村", "市农业农村局", "Agriculture and Rural Affairs Bureau"),
    ("应急", "市应急管理局", "Emergency Management Bureau"),
    ("信访", "市信访局", "Letters and Visits Bureau"),
    ("医保", "市医疗保障局", "Healthcare Security Administration"),
    ("征收", "市房屋征收管理办公室", "Housing Expropriation Office"),
)

# Common surnames, roughly in order of frequency (weights in requests: 1/rank^0.6).
SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何",
    "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田",
    "董", "潘", "袁", "蔡", "蒋", "余", "于", "杜", "叶", "程", "魏", "苏", "吕", "丁", "任", "卢", "姚",
    "沈", "钟", "姜", "崔", "谭", "陆", "范", "汪", "廖", "石", "金", "韦", "贾", "夏", "付", "方", "邹",
)
GIVEN_CHARS = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "兰", "建", "国", "志", "文", "红", "辉", "鹏", "飞",
    "婷", "雪", "琳", "晨", "宇", "浩", "然", "欣", "怡", "子", "俊", "佳", "思", "雨", "凯", "博", "亮",
    "海", "成", "春", "梅", "荣", "德", "林", "新", "东", "慧", "颖", "倩", "鑫", "帅", "波", "斌", "丹",
)

EXCLUSION_REASONS = ("诉求超出法定职责范围", "重复恶意诉求", "已进入司法程序", "诉求人撤回", "政策咨询已当场答复")
EXCLUSION_WEIGHTS = (0.35, 0.2, 0.15, 0.2, 0.1)
