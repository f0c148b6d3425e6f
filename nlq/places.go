package nlq

// places is generic bilingual knowledge: the romanised names of China's provinces, regions and
// major cities, and of the world's main countries, regions and cities, with their Chinese names. A stored value in one script is matched when asked in the
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
	// Countries and regions of the world, for catalogs whose data is international.
	"united states": "美国", "usa": "美国", "america": "美国", "canada": "加拿大", "mexico": "墨西哥",
	"brazil": "巴西", "argentina": "阿根廷", "chile": "智利", "colombia": "哥伦比亚", "peru": "秘鲁",
	"united kingdom": "英国", "uk": "英国", "britain": "英国", "england": "英格兰", "ireland": "爱尔兰",
	"germany": "德国", "france": "法国", "italy": "意大利", "spain": "西班牙", "portugal": "葡萄牙",
	"netherlands": "荷兰", "belgium": "比利时", "switzerland": "瑞士", "austria": "奥地利", "sweden": "瑞典",
	"norway": "挪威", "denmark": "丹麦", "finland": "芬兰", "poland": "波兰", "czech republic": "捷克",
	"czechia": "捷克", "hungary": "匈牙利", "greece": "希腊", "turkey": "土耳其", "russia": "俄罗斯",
	"ukraine": "乌克兰", "japan": "日本", "south korea": "韩国", "korea": "韩国", "india": "印度",
	"singapore": "新加坡", "malaysia": "马来西亚", "thailand": "泰国", "vietnam": "越南", "indonesia": "印度尼西亚",
	"philippines": "菲律宾", "australia": "澳大利亚", "new zealand": "新西兰", "south africa": "南非",
	"egypt": "埃及", "nigeria": "尼日利亚", "kenya": "肯尼亚", "israel": "以色列", "saudi arabia": "沙特阿拉伯",
	"united arab emirates": "阿联酋", "uae": "阿联酋", "pakistan": "巴基斯坦", "bangladesh": "孟加拉国",
	"europe": "欧洲", "asia": "亚洲", "africa": "非洲", "north america": "北美", "south america": "南美",
	"latin america": "拉丁美洲", "middle east": "中东", "oceania": "大洋洲",
	"new york": "纽约", "london": "伦敦", "paris": "巴黎", "berlin": "柏林", "munich": "慕尼黑", "tokyo": "东京",
	"seoul": "首尔", "sydney": "悉尼", "toronto": "多伦多", "san francisco": "旧金山", "los angeles": "洛杉矶",
	"chicago": "芝加哥", "seattle": "西雅图", "boston": "波士顿", "madrid": "马德里", "rome": "罗马",
	"amsterdam": "阿姆斯特丹", "moscow": "莫斯科", "dubai": "迪拜", "bangkok": "曼谷", "mumbai": "孟买",
	"sao paulo": "圣保罗", "são paulo": "圣保罗",
}

// placeNames maps each Chinese place name back to its romanised forms.
var placeNames = func() map[string][]string {
	m := map[string][]string{}
	for en, zh := range places {
		m[zh] = append(m[zh], en)
	}
	return m
}()
