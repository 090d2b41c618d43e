package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/sohoa/sohoa/ingest"
)

// The demo batch: one dossier received at a ward's one-stop desk in Đà
// Nẵng on 27/11/2026, a three-page building permit application scanned in
// colour at 300 dpi.

const (
	batchDossier = "000.00.31.H33-261127-0001"
	batchAgency  = "000.00.31.H33"
)

// batchDoc is the invented content of the demo batch, drawn from seed.
type batchDoc struct {
	Pages    [][]block
	Officer  string
	Station  string
	Title    string
	DocType  string
	Received date
}

func sampleBatch(seed uint64) batchDoc {
	tg := textGen{pageRand(seed, streamText, 1<<20)}
	rg := &regions[2] // Đà Nẵng, agency suffix H33
	received := date{27, 11, 2026}
	signed := date{25, 11, 2026}
	p := tg.person(rg)
	p.Address, p.WardOnly = tg.address(rg)
	ward := "phường Hải Châu"
	designer := tg.name(tg.r.IntN(2) == 0)
	officer := tg.name(tg.r.IntN(2) == 0)
	lot := fmt.Sprintf("Lô số B%d-%d, Khu dân cư %s", tg.between(1, 9), tg.between(1, 40), tg.pick([]string{"Nam cầu Trần Thị Lý", "ven sông Hàn", "Hòa Cường mở rộng", "Tuyên Sơn"}))
	area := float64(tg.between(800, 1400)) / 10
	floor := area * float64(tg.between(78, 90)) / 100
	floors := tg.between(3, 5)
	dash := func(label, value string) block { return block{Style: stField, Label: "- " + label + ": ", Text: value} }
	comma := func(v float64) string { // Vietnamese decimal comma
		s := fmt.Sprintf("%.1f", v)
		for i := range s {
			if s[i] == '.' {
				return s[:i] + "," + s[i+1:]
			}
		}
		return s
	}

	page1 := header()
	page1 = append(page1,
		block{Style: stTitle, Label: "ĐƠN ĐỀ NGHỊ CẤP GIẤY PHÉP XÂY DỰNG"},
		block{Style: stCenter, Label: "(Sử dụng cho nhà ở riêng lẻ)"},
		block{Style: stGap},
		block{Style: stField, Label: "Kính gửi: ", Text: "Ủy ban nhân dân " + ward + ", " + rg.Province + "."},
		block{Style: stHeading, Label: "1. Thông tin về chủ đầu tư:"},
		dash("Tên chủ đầu tư (chủ hộ)", upper(p.Name)),
		dash("Số định danh cá nhân", p.CCCD+", cấp ngày "+p.Issued.slash()),
		dash("Địa chỉ liên hệ", p.Address),
		dash("Số điện thoại", p.Phone),
		block{Style: stHeading, Label: "2. Thông tin công trình:"},
		dash("Địa điểm xây dựng", lot+", "+ward+", "+rg.Province),
		dash("Thửa đất số", fmt.Sprintf("%d; tờ bản đồ số: %d", tg.between(100, 999), tg.between(5, 60))),
		dash("Diện tích thửa đất", comma(area)+" m2"),
		dash("Giấy chứng nhận quyền sử dụng đất số", fmt.Sprintf("DĐ %06d do Sở Tài nguyên và Môi trường thành phố Đà Nẵng cấp ngày %s", tg.r.IntN(1000000), tg.date(tg.between(2015, 2023)).slash())),
		block{Style: stHeading, Label: "3. Nội dung đề nghị cấp phép:"},
		dash("Loại công trình", "Nhà ở riêng lẻ; cấp công trình: cấp III"),
		dash("Diện tích xây dựng tầng 1 (tầng trệt)", comma(floor)+" m2"),
		dash("Tổng diện tích sàn", comma(floor*float64(floors)+float64(tg.between(150, 250))/10)+fmt.Sprintf(" m2 (gồm %02d tầng và tum thang)", floors)),
		dash("Chiều cao công trình", comma(float64(floors)*3.6+float64(tg.between(20, 40))/10)+fmt.Sprintf(" m; số tầng: %02d tầng và 01 tum", floors)),
		dash("Cốt xây dựng", "+0,45 m so với cốt vỉa hè hiện trạng"),
		dash("Chỉ giới xây dựng", "lùi 3,0 m so với chỉ giới đường đỏ theo quy hoạch chi tiết được duyệt"),
	)
	page2 := []block{
		{Style: stHeading, Label: "4. Đơn vị hoặc người chủ nhiệm thiết kế:"},
		dash("Tên đơn vị thiết kế", "Công ty TNHH Tư vấn Thiết kế Xây dựng Miền Trung"),
		dash("Mã số chứng chỉ năng lực", fmt.Sprintf("DAN-%08d", tg.r.IntN(100000000))),
		dash("Chủ nhiệm thiết kế", designer+fmt.Sprintf("; chứng chỉ hành nghề số: DAN-%08d", tg.r.IntN(100000000))),
		dash("Địa chỉ", fmt.Sprintf("Số %d đường Nguyễn Văn Linh, phường Thanh Khê, thành phố Đà Nẵng", tg.between(10, 400))),
		{Style: stHeading, Label: "5. Phương án phá dỡ, di dời (nếu có):"},
		{Style: stPara, Label: "Công trình xây dựng trên đất trống, không phải phá dỡ hay di dời công trình hiện hữu."},
		{Style: stHeading, Label: "6. Dự kiến thời gian hoàn thành công trình:"},
		{Style: stPara, Label: fmt.Sprintf("%02d tháng kể từ ngày khởi công, dự kiến khởi công trong quý I năm 2027.", tg.between(8, 14))},
		{Style: stHeading, Label: "7. Cam kết:"},
		{Style: stPara, Label: "Tôi xin cam kết làm theo đúng giấy phép được cấp, nếu sai tôi xin hoàn toàn chịu trách nhiệm và bị xử lý theo quy định của pháp luật. Tôi cam kết thông báo ngày khởi công cho Ủy ban nhân dân phường trước khi thi công ít nhất 05 ngày làm việc."},
		{Style: stHeading, Label: "8. Giấy tờ kèm theo:"},
		{Style: stItem, Label: "1. Bản sao Giấy chứng nhận quyền sử dụng đất."},
		{Style: stItem, Label: "2. Hai bộ bản vẽ thiết kế xây dựng: mặt bằng, mặt cắt, mặt đứng công trình."},
		{Style: stItem, Label: "3. Bản vẽ mặt bằng móng và sơ đồ đấu nối hệ thống cấp, thoát nước, cấp điện."},
		{Style: stItem, Label: "4. Bản kê khai năng lực, kinh nghiệm của tổ chức thiết kế."},
		{Style: stItem, Label: "5. Bản cam kết bảo đảm an toàn đối với công trình liền kề."},
		{Style: stPara, Label: "Tôi đăng ký nhận kết quả giải quyết thủ tục hành chính tại Bộ phận Một cửa Ủy ban nhân dân " + ward + "."},
	}
	page3 := []block{
		{Style: stPara, Label: "Trong quá trình thi công, tôi cam kết bảo đảm an toàn lao động, vệ sinh môi trường, không lấn chiếm vỉa hè, lòng đường và chịu sự kiểm tra của cơ quan có thẩm quyền."},
		{Style: stGap},
		placeDate(rg, signed),
	}
	page3 = append(page3, signer("NGƯỜI LÀM ĐƠN", p.Name)...)
	page3 = append(page3,
		block{Style: stGap},
		block{Style: stHeading, Label: "Phần ghi của Bộ phận Một cửa:"},
		block{Style: stPara, Label: fmt.Sprintf("Đã tiếp nhận hồ sơ ngày %s, mã hồ sơ %s. Cán bộ tiếp nhận: %s.", received.slash(), batchDossier, officer)},
	)
	return batchDoc{
		Pages:    [][]block{page1, page2, page3},
		Officer:  officer,
		Station:  "Quầy số 3 - Bộ phận Một cửa " + ward,
		Title:    "Đơn đề nghị cấp giấy phép xây dựng nhà ở riêng lẻ",
		DocType:  "Đơn đề nghị",
		Received: received,
	}
}

func sampleBatchSpecs(seed uint64) []pageSpec {
	doc := sampleBatch(seed)
	skews := []float64{0.35, -0.55, 0.2}
	specs := make([]pageSpec, len(doc.Pages))
	for i, blocks := range doc.Pages {
		specs[i] = pageSpec{
			Name: fmt.Sprintf("%02d", i+1), Kind: "xaydung", DPI: 300, Mode: "color",
			Font: "NotoSerif", SizePt: 13, Skew: skews[i], JPEG: 80,
			Blocks: blocks,
		}
	}
	return specs
}

func writeManifest(out string, seed uint64, specs []pageSpec) error {
	doc := sampleBatch(seed)
	// The manifest ingest reads, as its own type writes it.
	var m ingest.Manifest
	m.DossierCode, m.AgencyCode, m.Title = batchDossier, batchAgency, doc.Title
	m.DocumentType, m.Station, m.Operator = doc.DocType, doc.Station, doc.Officer
	for _, sp := range specs {
		ext := ".png"
		if sp.JPEG > 0 {
			ext = ".jpg"
		}
		m.Pages = append(m.Pages, sp.Name+ext)
	}
	b, err := indentedJSON(m)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "manifest.json"), b, 0o644)
}
