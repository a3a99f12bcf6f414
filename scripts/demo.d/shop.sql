-- The demo's sample database: a small online shop on the MariaDB source (scripts/demo).
-- Every common column type, NULLs, a composite primary key, foreign keys without cascades
-- (a cascade's changes are not in MariaDB's binlog). The rows are computed from MariaDB's
-- sequence tables (seq_1_to_N), so every run starts from the same 500 customers, 100
-- products, 2,000 orders and 5,000 order items (7,600 rows).
DROP DATABASE IF EXISTS shop;
CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
USE shop;
SET time_zone = '+00:00';

CREATE TABLE customers (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  email VARCHAR(255) NOT NULL,
  name VARCHAR(100) NOT NULL,
  country CHAR(2) NOT NULL,
  birthday DATE NULL,
  is_vip BOOLEAN NOT NULL DEFAULT FALSE,
  loyalty_points INT NOT NULL DEFAULT 0,
  preferences JSON NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  UNIQUE KEY email (email)
) ENGINE=InnoDB;

CREATE TABLE products (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  sku VARCHAR(32) NOT NULL,
  name VARCHAR(200) NOT NULL,
  description TEXT NULL,
  price DECIMAL(10,2) NOT NULL,
  stock INT NOT NULL,
  weight_kg DECIMAL(7,3) NULL,
  rating DOUBLE NULL,
  attributes JSON NULL,
  active BOOLEAN NOT NULL DEFAULT TRUE,
  created_at DATETIME(6) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  UNIQUE KEY sku (sku)
) ENGINE=InnoDB;

CREATE TABLE orders (
  id BIGINT UNSIGNED NOT NULL,
  customer_id INT UNSIGNED NOT NULL,
  status ENUM('pending', 'paid', 'shipped', 'delivered', 'cancelled') NOT NULL DEFAULT 'pending',
  total DECIMAL(12,2) NOT NULL DEFAULT 0,
  currency CHAR(3) NOT NULL DEFAULT 'EUR',
  note VARCHAR(500) NULL,
  shipping_address TEXT NOT NULL,
  placed_at DATETIME(6) NOT NULL,
  shipped_at DATETIME(6) NULL,
  delivery_date DATE NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  KEY customer (customer_id, placed_at),
  CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;

CREATE TABLE order_items (
  order_id BIGINT UNSIGNED NOT NULL,
  line_no INT UNSIGNED NOT NULL,
  product_id INT UNSIGNED NOT NULL,
  quantity SMALLINT UNSIGNED NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL,
  gift_wrap BOOLEAN NOT NULL DEFAULT FALSE,
  PRIMARY KEY (order_id, line_no),
  KEY product (product_id),
  CONSTRAINT order_items_order FOREIGN KEY (order_id) REFERENCES orders (id),
  CONSTRAINT order_items_product FOREIGN KEY (product_id) REFERENCES products (id)
) ENGINE=InnoDB;

-- 500 customers: every fifth without a birthday, every seventh without preferences.
INSERT INTO customers (id, email, name, country, birthday, is_vip, loyalty_points, preferences,
                       created_at, updated_at)
SELECT seq,
       CONCAT('customer', seq, '@example.com'),
       CONCAT(ELT(1 + seq % 10, 'Ada', 'Grace', 'José', 'Zoë', 'Łukasz', 'Amélie', 'Søren',
                  'Mei', 'Ngozi', 'Ömer'), ' ',
              ELT(1 + (seq * 7) % 10, 'Lovelace', 'Hopper', 'García', 'Müller', 'Nowak',
                  'Dubois', 'Jensen', '渡辺', 'Okafor', 'Yılmaz')),
       ELT(1 + seq % 8, 'DE', 'FR', 'ES', 'PL', 'DK', 'JP', 'NG', 'TR'),
       IF(seq % 5 = 0, NULL, DATE('1950-01-01') + INTERVAL (seq * 613) % 20000 DAY),
       seq % 9 = 0,
       (seq * 37) % 5000,
       IF(seq % 7 = 0, NULL,
          CONCAT('{"newsletter": ', IF(seq % 2 = 0, 'true', 'false'),
                 ', "language": "', ELT(1 + seq % 4, 'en', 'de', 'fr', 'ja'),
                 '", "tags": [', IF(seq % 3 = 0, '"early-adopter", "mobile"', '"web"'), ']}')),
       TIMESTAMP('2024-01-01 08:00:00') + INTERVAL seq * 7919 SECOND
         + INTERVAL (seq * 104729) % 1000000 MICROSECOND,
       TIMESTAMP('2025-06-01 00:00:00') + INTERVAL seq * 3571 SECOND
FROM seq_1_to_500;

-- 100 products: some without description, weight or rating.
INSERT INTO products (id, sku, name, description, price, stock, weight_kg, rating, attributes,
                      active, created_at, updated_at)
SELECT seq,
       CONCAT('SKU-', LPAD(seq, 5, '0')),
       CONCAT(ELT(1 + seq % 6, 'Espresso cup', 'Linen shirt', 'Trail shoe', 'Desk lamp',
                  'Notebook', 'Tea kettle'), ' ', ELT(1 + (seq * 3) % 5, 'S', 'M', 'L', 'XL', 'Pro')),
       IF(seq % 4 = 0, NULL,
          CONCAT('Product ', seq, ': sturdy, well made, shipped in recycled packaging. ',
                 REPEAT('Lorem ipsum dolor sit amet. ', 1 + seq % 5))),
       ROUND(1 + ((seq * 3517) % 25000) / 100, 2),
       500 + (seq * 13) % 1500,
       IF(seq % 6 = 0, NULL, ((seq * 211) % 20000) / 1000),
       IF(seq % 5 = 0, NULL, 1 + ((seq * 17) % 40) / 10),
       CONCAT('{"color": "', ELT(1 + seq % 5, 'red', 'black', 'white', 'oak', 'blue'),
              '", "sizes": [', IF(seq % 2 = 0, '"S", "M", "L"', '"one size"'),
              '], "dimensions": {"w": ', 10 + seq % 30, ', "h": ', 5 + seq % 12, '}}'),
       seq % 11 <> 0,
       TIMESTAMP('2023-03-01 09:30:00') + INTERVAL seq * 86399 SECOND,
       TIMESTAMP('2025-01-01 00:00:00') + INTERVAL seq * 6007 SECOND
FROM seq_1_to_100;

-- 2,000 orders over 2025, statuses by age; shipped ones have a shipping time.
INSERT INTO orders (id, customer_id, status, currency, note, shipping_address, placed_at,
                    shipped_at, delivery_date, updated_at)
SELECT seq,
       1 + (seq * 31) % 500,
       ELT(1 + (seq * 7) % 10, 'delivered', 'delivered', 'delivered', 'delivered', 'shipped',
           'shipped', 'paid', 'paid', 'pending', 'cancelled'),
       IF(seq % 13 = 0, 'USD', 'EUR'),
       IF(seq % 6 = 0, CONCAT('Please ring twice (order ', seq, ')'), NULL),
       CONCAT(seq % 200 + 1, ' ', ELT(1 + seq % 5, 'Main Street', 'Rue de la Paix',
                                      'Calle Mayor', 'Hauptstraße', 'Ulica Długa'),
              CHAR(10), LPAD((seq * 7) % 99999, 5, '0'), ' ',
              ELT(1 + seq % 5, 'Springfield', 'Paris', 'Madrid', 'Berlin', 'Gdańsk')),
       TIMESTAMP('2025-01-01 00:00:00') + INTERVAL seq * 15767 SECOND
         + INTERVAL (seq * 7727) % 1000000 MICROSECOND,
       NULL, NULL,
       TIMESTAMP('2025-01-01 00:00:00') + INTERVAL seq * 15767 SECOND + INTERVAL 1 HOUR
FROM seq_1_to_2000;
-- (Each UPDATE sets updated_at to itself: ON UPDATE CURRENT_TIMESTAMP would make it the clock's.)
UPDATE orders SET shipped_at = placed_at + INTERVAL 1 DAY + INTERVAL id % 3600 SECOND,
                  updated_at = updated_at
  WHERE status IN ('shipped', 'delivered');
UPDATE orders SET delivery_date = DATE(shipped_at) + INTERVAL 2 + id % 4 DAY,
                  updated_at = updated_at
  WHERE status = 'delivered';

-- 1 to 4 lines per order (5,000 items), at the product's price.
INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price, gift_wrap)
SELECT o.seq, l.seq, p.id, 1 + (o.seq * l.seq) % 3, p.price, (o.seq + l.seq) % 10 = 0
FROM seq_1_to_2000 o
JOIN seq_1_to_4 l ON l.seq <= 1 + (o.seq * 3) % 4
JOIN products p ON p.id = 1 + (o.seq * 7 + l.seq * 13) % 100;
UPDATE orders o SET total = (SELECT SUM(quantity * unit_price) FROM order_items i
                             WHERE i.order_id = o.id),
                    updated_at = updated_at;

-- The orders of the example application (examples/orders: orders_service, which reads and
-- writes them through cutover::Router while the demo moves the flag stage; its own shape, as
-- the service expects it): 200 orders.
CREATE TABLE service_orders (
  id BIGINT NOT NULL PRIMARY KEY,
  customer VARCHAR(40) NOT NULL,
  status VARCHAR(20) NOT NULL,
  total_cents BIGINT NOT NULL,
  version BIGINT NOT NULL
) ENGINE=InnoDB;
INSERT INTO service_orders
SELECT seq, CONCAT('customer ', seq % 17), 'new', seq * 100, 1 FROM seq_1_to_200;
