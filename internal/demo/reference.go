package demo

import "math"

// The reference data of the demo retail chain: stores, channels, categories and products.
// Identifiers are stable: a store keeps its store_id whatever Options.Stores selects.

// regions lists the seven regions in the order stores are picked for Options.Stores.
var regions = []string{"华东", "华北", "华南", "华中", "西南", "西北", "东北"}

type storeDef struct {
	id       int
	name     string
	city     string
	province string
	region   string
	// size scales the store's traffic against an average store.
	size float64
	// openedAgo is how many days before the end date the store opened.
	openedAgo int
}

var storeDefs = []storeDef{
	{1, "上海徐汇店", "上海", "上海", "华东", 1.5, 3650},
	{2, "上海浦东店", "上海", "上海", "华东", 1.4, 3100},
	{3, "上海静安店", "上海", "上海", "华东", 1.2, 2500},
	{4, "南京新街口店", "南京", "江苏", "华东", 1.2, 2900},
	{5, "苏州园区店", "苏州", "江苏", "华东", 1.1, 2200},
	{6, "无锡梁溪店", "无锡", "江苏", "华东", 0.8, 1500},
	{7, "杭州西湖店", "杭州", "浙江", "华东", 1.2, 2700},
	{8, "杭州滨江店", "杭州", "浙江", "华东", 0.9, 610},
	{9, "宁波鄞州店", "宁波", "浙江", "华东", 0.9, 1800},
	{10, "合肥政务区店", "合肥", "安徽", "华东", 0.8, 1200},
	{11, "北京朝阳店", "北京", "北京", "华北", 1.5, 3400},
	{12, "北京海淀店", "北京", "北京", "华北", 1.3, 2800},
	{13, "北京西城店", "北京", "北京", "华北", 1.0, 2000},
	{14, "天津和平店", "天津", "天津", "华北", 1.0, 2300},
	{15, "天津南开店", "天津", "天津", "华北", 0.8, 1300},
	{16, "石家庄长安店", "石家庄", "河北", "华北", 0.8, 1600},
	{17, "太原迎泽店", "太原", "山西", "华北", 0.7, 1100},
	{18, "广州天河店", "广州", "广东", "华南", 1.4, 3300},
	{19, "广州越秀店", "广州", "广东", "华南", 1.0, 2400},
	{20, "深圳福田店", "深圳", "广东", "华南", 1.3, 3000},
	{21, "深圳南山店", "深圳", "广东", "华南", 1.2, 1900},
	{22, "佛山禅城店", "佛山", "广东", "华南", 0.8, 1400},
	{23, "南宁青秀店", "南宁", "广西", "华南", 0.8, 1250},
	{24, "海口龙华店", "海口", "海南", "华南", 0.7, 950},
	{25, "武汉江汉店", "武汉", "湖北", "华中", 1.2, 2600},
	{26, "武汉洪山店", "武汉", "湖北", "华中", 0.9, 1700},
	{27, "宜昌西陵店", "宜昌", "湖北", "华中", 0.7, 1000},
	{28, "长沙芙蓉店", "长沙", "湖南", "华中", 1.0, 2100},
	{29, "郑州金水店", "郑州", "河南", "华中", 1.0, 1900},
	{30, "成都锦江店", "成都", "四川", "西南", 1.3, 2800},
	{31, "成都高新店", "成都", "四川", "西南", 1.0, 540},
	{32, "重庆渝中店", "重庆", "重庆", "西南", 1.1, 2500},
	{33, "重庆江北店", "重庆", "重庆", "西南", 0.9, 1500},
	{34, "昆明五华店", "昆明", "云南", "西南", 0.8, 1300},
	{35, "贵阳云岩店", "贵阳", "贵州", "西南", 0.8, 1050},
	{36, "西安雁塔店", "西安", "陕西", "西北", 1.2, 2400},
	{37, "西安碑林店", "西安", "陕西", "西北", 1.0, 1600},
	{38, "兰州城关店", "兰州", "甘肃", "西北", 0.9, 1400},
	{39, "银川兴庆店", "银川", "宁夏", "西北", 0.8, 1150},
	{40, "沈阳和平店", "沈阳", "辽宁", "东北", 1.1, 2300},
	{41, "大连中山店", "大连", "辽宁", "东北", 1.0, 2000},
	{42, "长春朝阳店", "长春", "吉林", "东北", 0.9, 1600},
	{43, "哈尔滨南岗店", "哈尔滨", "黑龙江", "东北", 1.0, 400},
}

type channelDef struct {
	id       int
	name     string
	kind     string // channel_type: 线上 or 线下
	conv     float64
	share    float64 // share of orders on an ordinary day
	sat, sun float64 // weekend traffic multipliers (Friday is 1.06, Monday to Thursday 1)
	shipFee  int64   // cents charged on orders under freeShipCents; 0 in store
	// tilt multiplies the category mix of the channel's orders.
	tilt map[string]float64
}

const freeShipCents = 99_00

var channelDefs = []channelDef{
	{1, "门店", "线下", 0.16, 0.32, 1.50, 1.45, 0,
		map[string]float64{"食品": 1.3, "服装": 1.2, "家电": 0.8, "数码": 0.7}},
	{2, "小程序", "线上", 0.08, 0.22, 1.30, 1.27, 5_00,
		map[string]float64{"食品": 1.2, "美妆": 1.1, "母婴": 1.2, "家电": 0.8}},
	{3, "天猫", "线上", 0.04, 0.16, 1.27, 1.25, 8_00,
		map[string]float64{"服装": 1.2, "美妆": 1.3, "家电": 1.1}},
	{4, "京东", "线上", 0.05, 0.15, 1.25, 1.23, 6_00,
		map[string]float64{"家电": 1.6, "数码": 1.8, "食品": 0.7, "服装": 0.6}},
	{5, "抖音", "线上", 0.025, 0.15, 1.35, 1.33, 6_00,
		map[string]float64{"美妆": 1.6, "食品": 1.3, "家电": 0.6, "数码": 0.7}},
}

type categoryDef struct {
	id     int
	name   string
	mix    float64   // share of orders whose first line is in this category
	refund float64   // baseline refund rate (refund amount / gmv)
	qty    []float64 // weights of quantities 1, 2, ...
}

var categoryDefs = []categoryDef{
	{1, "家电", 0.09, 0.030, []float64{95, 5}},
	{2, "数码", 0.10, 0.035, []float64{85, 15}},
	{3, "食品", 0.25, 0.010, []float64{50, 25, 15, 10}},
	{4, "服装", 0.16, 0.060, []float64{70, 30}},
	{5, "美妆", 0.13, 0.025, []float64{75, 25}},
	{6, "家居", 0.12, 0.030, []float64{75, 25}},
	{7, "母婴", 0.08, 0.020, []float64{60, 30, 10}},
	{8, "运动", 0.07, 0.040, []float64{80, 20}},
}

type productDef struct {
	id       int
	name     string
	category int     // category id
	price    int64   // list price in cents
	cost     int64   // unit cost in cents
	weight   float64 // popularity within its category
}

// productList holds name and list price in yuan per category id; cost and popularity are derived.
var productList = []struct {
	category int
	margin   float64 // gross margin at list price
	items    []struct {
		name  string
		price int64
	}
}{
	{1, 0.22, []struct {
		name  string
		price int64
	}{
		{"1.5匹变频挂式空调", 2999}, {"十字对开门冰箱 500L", 3499}, {"滚筒洗衣机 10kg", 2199},
		{"55英寸4K智能电视", 2799}, {"变频微波炉", 499}, {"IH电饭煲 4L", 399}, {"空气炸锅 5L", 299},
		{"不锈钢电水壶", 129}, {"无线手持吸尘器", 1299}, {"扫地机器人", 1999}, {"厨下净水器", 1599},
		{"负离子电吹风", 199}, {"静音破壁机", 599}, {"落地电风扇", 229},
	}},
	{2, 0.15, []struct {
		name  string
		price int64
	}{
		{"5G智能手机 256G", 3999}, {"11英寸平板电脑", 2499}, {"降噪蓝牙耳机", 399}, {"智能手表", 999},
		{"20000mAh充电宝", 129}, {"快充数据线", 39}, {"机械键盘", 299}, {"无线鼠标", 99},
		{"移动硬盘 2TB", 459}, {"千兆路由器", 259}, {"运动相机", 1899}, {"蓝牙音箱", 199},
	}},
	{3, 0.25, []struct {
		name  string
		price int64
	}{
		{"五常大米 5kg", 59}, {"花生油 5L", 79}, {"纯牛奶 整箱", 69}, {"每日坚果礼盒", 129},
		{"挂耳咖啡 30包", 89}, {"西湖龙井 250g", 159}, {"零食大礼包", 99}, {"矿泉水 整箱", 29},
		{"手工挂面", 19}, {"低温酸奶 8杯", 35}, {"黑巧克力", 45}, {"方便面 整箱", 49}, {"特级初榨橄榄油", 139},
	}},
	{4, 0.45, []struct {
		name  string
		price int64
	}{
		{"纯棉T恤", 99}, {"商务衬衫", 199}, {"直筒牛仔裤", 259}, {"轻薄羽绒服", 699}, {"碎花连衣裙", 299},
		{"连帽卫衣", 189}, {"羊毛针织衫", 399}, {"棉袜 5双装", 39}, {"内衣套装", 129}, {"中长款风衣", 599},
		{"休闲板鞋", 329}, {"防晒皮肤衣", 159},
	}},
	{5, 0.40, []struct {
		name  string
		price int64
	}{
		{"保湿面霜", 299}, {"修护精华液", 459}, {"丝绒口红", 199}, {"氨基酸洗面奶", 89}, {"清爽防晒霜", 129},
		{"补水面膜 10片", 99}, {"持妆粉底液", 269}, {"淡香水 50ml", 599}, {"卸妆油", 159}, {"抗皱眼霜", 399},
		{"护手霜", 49},
	}},
	{6, 0.35, []struct {
		name  string
		price int64
	}{
		{"全棉四件套", 399}, {"乳胶枕", 199}, {"纯棉毛巾 3条装", 59}, {"收纳箱", 89}, {"平板拖把", 129},
		{"不粘炒锅", 299}, {"保温杯", 159}, {"陶瓷餐具套装", 249}, {"护眼台灯", 179}, {"遮光窗帘", 329},
		{"蚕丝被", 899}, {"植绒衣架 20只", 39},
	}},
	{7, 0.28, []struct {
		name  string
		price int64
	}{
		{"纸尿裤 L码", 149}, {"婴儿奶粉 3段", 359}, {"玻璃奶瓶", 99}, {"婴儿湿巾 10包", 59},
		{"轻便婴儿推车", 1299}, {"儿童安全座椅", 1599}, {"加厚爬爬垫", 199}, {"婴儿洗护套装", 129},
		{"高铁米粉", 69}, {"儿童积木", 239},
	}},
	{8, 0.38, []struct {
		name  string
		price int64
	}{
		{"缓震跑步鞋", 599}, {"瑜伽垫", 99}, {"可调节哑铃", 199}, {"7号篮球", 189}, {"速干运动T恤", 129},
		{"骑行头盔", 259}, {"双人露营帐篷", 699}, {"登山双肩包", 399}, {"竞速跳绳", 39}, {"碳素羽毛球拍", 299},
	}},
}

// products returns the product table; ids are assigned in list order.
func products() []productDef {
	var out []productDef
	for _, group := range productList {
		for _, it := range group.items {
			price := it.price * 100
			// Margins vary a little by product, deterministically.
			margin := group.margin + 0.04*math.Sin(float64(len(out))*1.7)
			out = append(out, productDef{
				id:       len(out) + 1,
				name:     it.name,
				category: group.category,
				price:    price,
				cost:     int64(math.Round(float64(price) * (1 - margin))),
				weight:   1 / math.Sqrt(float64(it.price)),
			})
		}
	}
	return out
}

// selectStores returns the stores for Options.Stores = n: regions take turns in the order of
// regions, so any n >= 7 covers every region. n <= 0 or n >= all selects every store.
func selectStores(n int) []storeDef {
	if n <= 0 || n >= len(storeDefs) {
		return storeDefs
	}
	byRegion := make(map[string][]storeDef)
	for _, s := range storeDefs {
		byRegion[s.region] = append(byRegion[s.region], s)
	}
	var picked []storeDef
	for round := 0; len(picked) < n; round++ {
		for _, r := range regions {
			if round < len(byRegion[r]) && len(picked) < n {
				picked = append(picked, byRegion[r][round])
			}
		}
	}
	// Keep store id order for a stable generation order.
	out := make([]storeDef, 0, n)
	for _, s := range storeDefs {
		for _, p := range picked {
			if p.id == s.id {
				out = append(out, s)
			}
		}
	}
	return out
}
