package nlq

// places is generic bilingual knowledge: the romanised names of China's provinces, regions and
// major cities with their Chinese names. A stored value in one script is matched when asked in the
// other only if it appears here or among the catalog's aliases.
var places = map[string]string{
	"beijing": "北京", "shanghai": "上海", "tianjin": "天津", "chongqing": "重庆", "guangzhou": "广州",
	"shenzhen": "深圳", "hangzhou": "杭州", "nanjing": "南京", "suzhou": "苏州", "wuhan": "武汉",
	"chengdu": "成都", "xian": "西安", "xi'an": "西安", "changsha": "长沙", "zhengzhou": "郑州",
	"jinan": "济南", "qingdao": "青岛", "shenyang": "沈阳", "dalian": "大连", "harbin": "哈尔滨",
	"changchun": "长春", "hefei": "合肥", "fuzhou": "福州", "xiamen": "厦门", "nanchang": "南昌",
	"kunming": "昆明", "guiyang": "贵阳", "nanning": "南宁", "haikou": "海口", "lanzhou": "兰州",
	"xining": "西宁", "yinchuan": "银川", "urumqi": "乌鲁木齐", "hohhot": "呼和浩特", "lhasa": "拉萨",
	"taiyuan": "太原", "shijiazhuang": "石家庄", "ningbo": "宁波", "wuxi": "无锡", "dongguan": "东莞",
	"foshan": "佛山", "zhuhai": "珠海", "wenzhou": "温州", "hong kong": "香港", "hongkong": "香港",
	"macau": "澳门", "macao": "澳门", "taipei": "台北",
	"guangdong": "广东", "zhejiang": "浙江", "jiangsu": "江苏", "shandong": "山东", "henan": "河南",
	"hebei": "河北", "hubei": "湖北", "hunan": "湖南", "sichuan": "四川", "fujian": "福建", "anhui": "安徽",
	"jiangxi": "江西", "liaoning": "辽宁", "jilin": "吉林", "heilongjiang": "黑龙江", "shaanxi": "陕西",
	"shanxi": "山西", "yunnan": "云南", "guizhou": "贵州", "guangxi": "广西", "hainan": "海南",
	"gansu": "甘肃", "qinghai": "青海", "ningxia": "宁夏", "xinjiang": "新疆", "inner mongolia": "内蒙古",
	"tibet": "西藏", "xizang": "西藏", "taiwan": "台湾", "china": "中国",
}

// placeNames maps each Chinese place name back to its romanised forms.
var placeNames = func() map[string][]string {
	m := map[string][]string{}
	for en, zh := range places {
		m[zh] = append(m[zh], en)
	}
	return m
}()
