//! What the shop sells. Prices are whole won.

/// A product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    /// Its id in URLs and forms.
    pub id: &'static str,
    /// Its name (the goods name sent to the gateway).
    pub name: &'static str,
    /// Its price in won.
    pub price: i64,
    /// One line about it.
    pub blurb: &'static str,
}

/// Every product.
pub const PRODUCTS: [Product; 3] = [
    Product {
        id: "green-tea",
        name: "제주 녹차 선물세트",
        price: 10_005,
        blurb: "유기농 녹차 잎 100g, 선물 포장",
    },
    Product {
        id: "mug",
        name: "백자 머그컵",
        price: 50_000,
        blurb: "이천 공방의 수제 머그컵 (350ml)",
    },
    Product {
        id: "card",
        name: "손글씨 메시지 카드",
        price: 1_004,
        blurb: "원하는 문구를 손글씨로 적어 드려요",
    },
];

/// The product with `id`.
pub fn product(id: &str) -> Option<Product> {
    PRODUCTS.iter().copied().find(|p| p.id == id)
}
